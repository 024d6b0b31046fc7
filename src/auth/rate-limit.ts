// Plain per-tenant rate limits for endpoints that are not logins (registration, reset requests): 429 + Retry-After.
import { clock } from '../core/clock';
import { takeAttempt } from '../core/db/login-attempts';
import { type Tenant, tenantIdOf } from '../core/db/tenants';
import { ServiceUnavailableError, TooManyRequestsError } from '../core/errors';

export type RateLimit = { name: string; max: number; windowSeconds: number };

/** Whether this request still fits the budget of (tenant, limit, subject); errors deny (S34). */
export async function withinRateLimit(tenant: Tenant, limit: RateLimit, subject: string): Promise<boolean> {
  const key = `${limit.name}#${tenantIdOf(tenant.clientId, tenant.siteId)}#${subject}`;
  try {
    const decision = await takeAttempt(
      key,
      { max: limit.max, windowSeconds: limit.windowSeconds },
      clock.seconds(),
    );
    return decision.allowed;
  } catch {
    throw new ServiceUnavailableError();
  }
}

export async function enforceRateLimit(tenant: Tenant, limit: RateLimit, subject: string): Promise<void> {
  if (!(await withinRateLimit(tenant, limit, subject))) {
    throw new TooManyRequestsError(limit.windowSeconds, 'Too many requests; try again later', 'rate_limited');
  }
}
