// Plain per-tenant rate limits for endpoints that are not logins (registration, reset requests, codes sent):
// 429 + Retry-After. Each take is one atomic counter update; a refused request spends nothing.
import { clock } from './clock';
import { takeAll, takeUnits } from './db/counters';
import type { Tenant } from './db/tenants';
import { ServiceUnavailableError, TooManyRequestsError } from './errors';

export type RateLimit = { name: string; max: number; windowSeconds: number };
/** One limit applied to one subject (an IP, a user, a digest of a phone number, or 'all'). */
export type LimitedSubject = { limit: RateLimit; subject: string; units?: number };

const keyOf = (tenant: Tenant, { limit, subject }: LimitedSubject) => `${limit.name}#${tenant.id}#${subject}`;

/** Takes from every limit or from none; the seconds to wait when one is spent. Errors deny (S34). */
export async function takeRateLimits(
  tenant: Tenant,
  subjects: LimitedSubject[],
): Promise<{ allowed: true } | { allowed: false; retryAfter: number }> {
  const now = clock.seconds();
  try {
    const result = await takeAll(
      subjects.map((s) => () => takeUnits(keyOf(tenant, s), s.limit, now, s.units ?? 1)),
    );
    return result.allowed ? { allowed: true } : result;
  } catch {
    throw new ServiceUnavailableError();
  }
}

/** Whether this request still fits the budget of (tenant, limit, subject); errors deny (S34). */
export async function withinRateLimit(tenant: Tenant, limit: RateLimit, subject: string): Promise<boolean> {
  return (await takeRateLimits(tenant, [{ limit, subject }])).allowed;
}

/** 429 with Retry-After unless every limit has room; then each has been taken from. */
export async function enforceRateLimits(
  tenant: Tenant,
  subjects: LimitedSubject[],
  detail = 'Too many requests; try again later',
): Promise<void> {
  const result = await takeRateLimits(tenant, subjects);
  if (!result.allowed) throw new TooManyRequestsError(result.retryAfter, detail, 'rate_limited');
}

export const enforceRateLimit = (tenant: Tenant, limit: RateLimit, subject: string) =>
  enforceRateLimits(tenant, [{ limit, subject }]);
