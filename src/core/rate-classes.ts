// Rate-limit classes (issue 17 §4, seed 002): named budgets, each a steady rate per minute with a burst, taken per
// client address (and per site, where a request names one): `admin` for the console and its API (100 a minute, a
// burst of 20), `auth` for requests made with a site's key or a user's token, `public` for the hosted pages and
// OAuth callbacks, `send` for email and secret messages sent with a site's key. Deployment defaults come from
// RATE_LIMIT_<CLASS>_RPM/_BURST; a site may set its own (settings.rate_limits.<class>). Every answer carries
// RateLimit-Limit, -Remaining and -Reset (and -Policy); a refusal is 429 with Retry-After and spends nothing.
import type { Context } from 'hono';
import { clock } from './clock';
import { takeCell } from './db/counters';
import type { Tenant } from './db/tenants';
import { ServiceUnavailableError, TooManyRequestsError } from './errors';
import { type RateClass, rateClassConfig } from './rate-class-config';

export { RATE_CLASSES, type RateClass, rateClassConfig } from './rate-class-config';

/** A site's own budget for a class (settings.rate_limits.<class>), as far as it is well formed; read without zod,
 * which this path (every request with a key or token) does not otherwise load. */
function ownRate(tenant: Tenant, rateClass: RateClass): { per_minute?: number; burst?: number } {
  const stored = (
    tenant.settings as { rate_limits?: Record<string, { per_minute?: unknown; burst?: unknown }> }
  ).rate_limits?.[rateClass];
  const within = (value: unknown, max: number) =>
    Number.isInteger(value) && (value as number) >= 1 && (value as number) <= max
      ? (value as number)
      : undefined;
  return { per_minute: within(stored?.per_minute, 1_000_000), burst: within(stored?.burst, 100_000) };
}

/** The class's rate for a site: its own setting where it has one, else the deployment's default. */
export function rateOf(rateClass: RateClass, tenant?: Tenant): { perMinute: number; burst: number } {
  const fallback = rateClassConfig()[rateClass];
  const own = tenant ? ownRate(tenant, rateClass) : undefined;
  return { perMinute: own?.per_minute ?? fallback.perMinute, burst: own?.burst ?? fallback.burst };
}

/**
 * Counts this request in `rateClass` for (site, client address); sets the RateLimit headers, and refuses with 429
 * and Retry-After when the budget is spent. A counter that cannot be read refuses too (S34: fail closed).
 */
export async function enforceRateClass(
  c: Context,
  rateClass: RateClass,
  site: { id: string; tenant?: Tenant },
  subject: string,
): Promise<void> {
  const rate = rateOf(rateClass, site.tenant);
  const now = clock.now();
  const decision = await takeCell(`rate#${rateClass}#${site.id}#${subject}`, rate, now).catch(() => {
    throw new ServiceUnavailableError();
  });
  c.header('RateLimit-Limit', String(rate.perMinute));
  c.header('RateLimit-Remaining', String(decision.remaining));
  c.header('RateLimit-Reset', String(Math.ceil(decision.resetMs / 1000)));
  c.header('RateLimit-Policy', `${rate.perMinute};w=60;burst=${rate.burst}`);
  if (!decision.allowed) {
    throw new TooManyRequestsError(
      decision.retryAfterMs / 1000,
      'Too many requests; slow down',
      'rate_limited',
    );
  }
}
