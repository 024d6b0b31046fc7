// Login throttling and lockout (S7-S9): budgets per (tenant, email) and per (tenant, source IP), progressive delay.
import { clock } from '../core/clock';
import { clearAttempts, delayNextAttempt, takeAttempt } from '../core/db/login-attempts';
import { type Tenant, tenantIdOf } from '../core/db/tenants';
import { ServiceUnavailableError, TooManyRequestsError } from '../core/errors';
import { settingsOf } from '../core/tenant-settings';

export type LoginBudget = { emailKey: string; failuresSoFar: number; maxFailures: number };

const locked = (retryAfter: number) =>
  new TooManyRequestsError(
    retryAfter,
    'Too many failed sign-in attempts; try again later',
    'too_many_attempts',
  );

/** Seconds the next attempt must wait after the n-th failure in a window: none for two, then 2, 4, 8... */
export const delayAfterFailure = (n: number) => (n < 3 ? 0 : Math.min(2 ** (n - 2), 60));

/**
 * Takes one attempt from both budgets before any password is checked, so parallel guesses cannot
 * exceed them (S8). Unknown and known emails are counted alike, so a lock reveals nothing (S6).
 * Throws 429 with Retry-After when either is spent, 503 when the counters cannot be read (S34).
 */
export async function takeLoginAttempt(tenant: Tenant, email: string, ip: string): Promise<LoginBudget> {
  const { lockout } = settingsOf(tenant);
  const tenantId = tenantIdOf(tenant.clientId, tenant.siteId);
  const emailKey = emailBudgetKey(tenant, email);
  const now = clock.seconds();
  const window = lockout.window_seconds;
  try {
    const byIp = await takeAttempt(
      `login#${tenantId}#ip#${ip}`,
      { max: lockout.ip_max_attempts, windowSeconds: window },
      now,
    );
    if (!byIp.allowed) throw locked(byIp.retryAfter);
    const byEmail = await takeAttempt(
      emailKey,
      {
        max: lockout.max_failures,
        windowSeconds: window,
        streakCap: lockout.hard_cap,
        streakSeconds: lockout.hard_lock_seconds,
      },
      now,
    );
    if (!byEmail.allowed) throw locked(byEmail.retryAfter);
    return { emailKey, failuresSoFar: byEmail.count, maxFailures: lockout.max_failures };
  } catch (error) {
    if (error instanceof TooManyRequestsError) throw error;
    throw new ServiceUnavailableError();
  }
}

/** After a wrong password: slow the next try down. True when this failure used up the window (a lock). */
export async function recordLoginFailure(budget: LoginBudget): Promise<boolean> {
  const delay = delayAfterFailure(budget.failuresSoFar);
  if (delay > 0) await delayNextAttempt(budget.emailKey, clock.seconds() + delay);
  return budget.failuresSoFar >= budget.maxFailures;
}

/** A success (or a completed password reset) forgives earlier failures (S7). */
export const resetLoginFailures = (budget: Pick<LoginBudget, 'emailKey'>) => clearAttempts(budget.emailKey);

export const emailBudgetKey = (tenant: Tenant, email: string) =>
  `login#${tenantIdOf(tenant.clientId, tenant.siteId)}#email#${email}`;
