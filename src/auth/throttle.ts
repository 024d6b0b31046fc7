// Login throttling and lockout (S7-S9): budgets per (tenant, email) and per (tenant, source IP), a hard cap on
// attempts without a success, and a progressive delay; all taken atomically before any password is checked.
import { clock } from '../core/clock';
import { delayStreak, forget, type Taken, takeAll, takeStreak, takeUnits } from '../core/db/counters';
import type { Tenant } from '../core/db/tenants';
import { ServiceUnavailableError, TooManyRequestsError } from '../core/errors';
import { siteSettings } from '../core/tenant-settings';

export type LoginBudget = {
  /** The email's window and streak counters: a success forgets them, a failure may delay the next try. */
  emailWindow: Taken;
  streak: Taken;
  failuresSoFar: number;
  maxFailures: number;
};

const locked = (retryAfter: number) =>
  new TooManyRequestsError(
    retryAfter,
    'Too many failed sign-in attempts; try again later',
    'too_many_attempts',
  );

/** Seconds the next attempt must wait after the n-th failure in a window: none for two, then 2, 4, 8... */
export const delayAfterFailure = (n: number) => (n < 3 ? 0 : Math.min(2 ** (n - 2), 60));

const ipBudgetKey = (tenant: Tenant, ip: string) => `login#${tenant.id}#ip#${ip}`;
export const emailBudgetKey = (tenant: Tenant, email: string) => `login#${tenant.id}#email#${email}`;

/**
 * Takes one attempt from the IP's and the email's budgets and the email's streak before any password is
 * checked, so parallel guesses cannot exceed them (S8). Unknown and known emails are counted alike, so a lock
 * reveals nothing (S6). Throws 429 with Retry-After when one is spent (and then takes nothing from the others),
 * 503 when the counters cannot be written (S34).
 */
export async function takeLoginAttempt(tenant: Tenant, email: string, ip: string): Promise<LoginBudget> {
  const { lockout } = siteSettings(tenant);
  const emailKey = emailBudgetKey(tenant, email);
  const now = clock.seconds();
  const window = lockout.window_seconds;
  let result: Awaited<ReturnType<typeof takeAll>>;
  try {
    result = await takeAll([
      () => takeUnits(emailKey, { max: lockout.max_failures, windowSeconds: window }, now),
      () =>
        takeStreak(`${emailKey}#streak`, { cap: lockout.hard_cap, seconds: lockout.hard_lock_seconds }, now),
      () => takeUnits(ipBudgetKey(tenant, ip), { max: lockout.ip_max_attempts, windowSeconds: window }, now),
    ]);
  } catch {
    throw new ServiceUnavailableError();
  }
  if (!result.allowed) throw locked(result.retryAfter);
  const [emailWindow, streak] = result.taken as [Taken, Taken];
  return { emailWindow, streak, failuresSoFar: result.used[0] as number, maxFailures: lockout.max_failures };
}

/** After a wrong password: slow the next try down. True when this failure used up the window (a lock). */
export async function recordLoginFailure(budget: LoginBudget): Promise<boolean> {
  const delay = delayAfterFailure(budget.failuresSoFar);
  if (delay > 0) await delayStreak(budget.streak, clock.seconds() + delay);
  return budget.failuresSoFar >= budget.maxFailures;
}

/** A success forgives earlier failures (S7). */
export const resetLoginFailures = async (budget: Pick<LoginBudget, 'emailWindow' | 'streak'>) => {
  await Promise.all([forget(budget.emailWindow.key), forget(budget.streak.key)]);
};

/** A completed password reset, or an operator, lifts a lockout: the email's current counters go. */
export async function liftLockout(tenant: Tenant, email: string): Promise<void> {
  const emailKey = emailBudgetKey(tenant, email);
  await Promise.all([forget(emailKey), forget(`${emailKey}#streak`)]);
}

/**
 * A password check other than sign-in (unlocking a secret-message key, S37): under the same budget and lockout as
 * login (S7). `check` answers whether the password was right; a wrong one counts, a right one forgives. Throws
 * 429 when locked.
 */
export async function underLoginBudget<T>(
  tenant: Tenant,
  email: string,
  ip: string,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const budget = await takeLoginAttempt(tenant, email, ip);
  const result = await check();
  if (result === undefined) await recordLoginFailure(budget);
  else await resetLoginFailures(budget);
  return result;
}
