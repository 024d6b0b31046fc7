// Second-factor guesses per user, across every challenge and the console alike: about 10 failures in 15 minutes,
// then 429 until the window ends. A correct password does not reset it (only a correct code gives its try
// back), so "sign in, guess a few codes, sign in again" cannot go on for ever (S24).
import { audit, type RequestMeta } from '../../core/audit';
import { clock } from '../../core/clock';
import { giveBack, type Taken, takeUnits } from '../../core/db/counters';
import type { User } from '../../core/db/users';
import { ServiceUnavailableError, TooManyRequestsError } from '../../core/errors';
import { isAdmin } from '../../core/roles';

export const SECOND_FACTOR_FAILURES = { max: 10, windowSeconds: 900 };

const keyOf = (user: User) => `mfa-user#${user.clientId}#${user.siteId}#${user.userId}`;

/** One try, taken before the code is checked (so parallel guesses cannot exceed it); 429 when used up. */
export async function takeSecondFactorTry(user: User): Promise<{ taken: Taken; used: number }> {
  let decision: Awaited<ReturnType<typeof takeUnits>>;
  try {
    decision = await takeUnits(keyOf(user), SECOND_FACTOR_FAILURES, clock.seconds());
  } catch {
    throw new ServiceUnavailableError();
  }
  if (!decision.allowed) {
    throw new TooManyRequestsError(
      decision.retryAfter,
      'Too many wrong codes; try again later',
      'too_many_attempts',
    );
  }
  return { taken: decision.taken, used: decision.used };
}

/** A right code: its try is given back, so only failures count. */
export const secondFactorAccepted = (attempt: { taken: Taken }) => giveBack(attempt.taken);

/** A wrong code: audited, and when it used up the budget, the lock is audited too (authn_mfa_lock). */
export async function secondFactorRefused(
  user: User,
  attempt: { used: number },
  meta: RequestMeta,
  detail: Record<string, string>,
): Promise<void> {
  const tenantId = user.tenantId;
  await audit(meta, { tenantId, event: 'authn_mfa_fail', outcome: 'failure', userId: user.userId, detail });
  if (attempt.used >= SECOND_FACTOR_FAILURES.max) {
    await audit(meta, {
      tenantId,
      event: 'authn_mfa_lock',
      outcome: 'success',
      userId: user.userId,
      detail: isAdmin(user) ? { ...detail, admin: true } : detail,
    });
  }
}
