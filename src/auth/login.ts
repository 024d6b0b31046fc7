// POST /auth/login: throttle, look up, verify (always one scrypt), then start a session. Failures look identical (S6).
import { audit, type RequestMeta } from '../core/audit';
import { randomToken } from '../core/crypto';
import type { Tenant } from '../core/db/tenants';
import { factorsOf } from '../core/db/user-factors';
import { getUser, setPasswordHash, type User, userIdOf } from '../core/db/users';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../core/errors';
import { assertSignInOpen } from '../core/lockdown';
import { logger } from '../core/log';
import {
  configuredScrypt,
  DEFAULT_SCRYPT,
  hashPassword,
  needsRehash,
  verifyPassword,
} from '../core/passwords';
import { isAdmin } from '../core/roles';
import { siteSettings } from '../core/tenant-settings';
import { issueEnrollmentChallenge, issueMfaChallenge } from './mfa/challenge';
import { mustUseMfa } from './mfa/policy';
import { type IssuedTokens, signIn } from './session-tokens';
import { passkeySecondFactor } from './sign-in-methods';
import { recordLoginFailure, resetLoginFailures, takeLoginAttempt } from './throttle';

/** RFC 5321's limit; the API's schemas enforce it, forms that take any text (the console) rely on this. */
const MAX_EMAIL_LENGTH = 254;

export const invalidCredentials = () =>
  new UnauthorizedError('Invalid email or password', 'invalid_credentials');

/**
 * Verified against when the user does not exist, so unknown emails cost the same one scrypt as known ones
 * (S6). Made once, offline, at the default parameters (of a random password nobody knows), so the first
 * unknown-user login of a container costs no extra hash; other parameters get one made on first use.
 */
export const DEFAULT_DUMMY_HASH =
  '$scrypt$ln=16,r=8,p=2$nn03Teq5VCpgiVbM+rfGQA==$VXDhkpyAG3kFOvcmgdm/fmhKBqle4NubIZ6o2HT8axY=';
let dummyHash: Promise<string> | undefined;
const dummyPasswordHash = () => {
  const { logN, r, p } = configuredScrypt();
  const isDefault = logN === DEFAULT_SCRYPT.logN && r === DEFAULT_SCRYPT.r && p === DEFAULT_SCRYPT.p;
  dummyHash ??= isDefault ? Promise.resolve(DEFAULT_DUMMY_HASH) : hashPassword(randomToken());
  return dummyHash;
};

/** Checks an email/password pair under the login budget; returns the user or throws the one 401. */
export const verifyCredentials = (tenant: Tenant, email: string, password: string, meta: RequestMeta) =>
  withCredentials(tenant, email, password, meta, async (user) => user);

/**
 * Checks an email/password pair under the login budget, then runs `next` with the user while the budget forgives
 * earlier failures: the two write at once, so a sign-in costs one round trip fewer.
 */
async function withCredentials<R>(
  tenant: Tenant,
  email: string,
  password: string,
  meta: RequestMeta,
  next: (user: User) => Promise<R>,
): Promise<R> {
  const tenantId = tenant.id;
  const userId = userIdOf(tenant.clientId, tenant.siteId, email);
  // Before the password is looked at: during a lockdown the answer says nothing about the credentials.
  await assertSignInOpen(tenant);
  if (email.length > MAX_EMAIL_LENGTH) {
    // No account can have it (RFC 5321), and it is no key to count under: a failure like any other, same cost.
    await verifyPassword(password, await dummyPasswordHash());
    throw invalidCredentials();
  }
  // The budget and the account are read together: one round trip, and the account is never looked at unless
  // the budget allows the attempt (its read is simply dropped).
  const [taken, user] = await Promise.allSettled([takeLoginAttempt(tenant, email, meta.ip), getUser(userId)]);
  if (taken.status === 'rejected') {
    if (taken.reason instanceof TooManyRequestsError) {
      await audit(meta, {
        tenantId,
        event: 'authn_login_fail',
        outcome: 'failure',
        userId,
        detail: { reason: 'locked' },
      });
    }
    throw taken.reason;
  }
  if (user.status === 'rejected') throw user.reason;
  const account = await checkPassword(tenant, userId, taken.value, user.value, password, meta);
  // Settled, not raced: nothing is left writing after the response, whichever fails.
  const [result, ...writes] = await Promise.allSettled([
    next(account),
    resetLoginFailures(taken.value),
    upgradeHashIfOutdated(account, password),
  ]);
  if (result.status === 'rejected') throw result.reason;
  for (const write of writes) if (write.status === 'rejected') throw write.reason;
  return result.value;
}

/** The user when the password is theirs and the account active; else the failure counted, audited, and a 401. */
async function checkPassword(
  tenant: Tenant,
  userId: string,
  budget: Awaited<ReturnType<typeof takeLoginAttempt>>,
  user: User | undefined,
  password: string,
  meta: RequestMeta,
): Promise<User> {
  const tenantId = tenant.id;
  // An account without a password (made through a provider) costs the same hash as a wrong one (S6).
  const matches = await verifyPassword(password, user?.passwordHash || (await dummyPasswordHash()));
  if (!user || !matches || user.status !== 'active') {
    const reason = !user ? 'unknown_user' : !matches ? 'wrong_password' : 'disabled';
    const lockedNow = await recordLoginFailure(budget);
    await audit(meta, {
      tenantId,
      event: 'authn_login_fail',
      outcome: 'failure',
      userId,
      detail: { reason },
    });
    if (lockedNow) {
      // An admin's lockout is its own alert (someone may be after the console).
      const detail = user && isAdmin(user) ? { admin: true } : undefined;
      await audit(meta, { tenantId, event: 'authn_login_lock', outcome: 'success', userId, detail });
    }
    throw invalidCredentials();
  }
  return user;
}

/** A site may keep users out until they confirm their address; said only after the password proved right. */
function assertEmailVerifiedIfRequired(tenant: Tenant, user: User): void {
  if (siteSettings(tenant).require_verified_email && !user.emailVerified) {
    throw new ForbiddenError('Confirm your email address before signing in', 'email_not_verified');
  }
}

/** What a first factor (a password, a sign-in link) leads to: the session, or the second step the user owes. */
export type SignInStep =
  | { user: User; issued: IssuedTokens; mfa?: undefined }
  | {
      user: User;
      issued?: undefined;
      mfa:
        | Awaited<ReturnType<typeof issueMfaChallenge>>
        | Awaited<ReturnType<typeof issueEnrollmentChallenge>>;
    };

/** The first factor proven, the session not started yet: the second step owed, or nothing more to prove. */
export type ProvenStep = { user: User; mfa?: undefined } | Extract<SignInStep, { mfa: unknown }>;

/** A password sign-in: the session (or the second step). */
export const loginWithPassword = (tenant: Tenant, email: string, password: string, meta: RequestMeta) =>
  withPassword(tenant, email, password, meta, (user) => afterFirstFactor(tenant, user, meta));

/** A password proven for a flow that starts the session elsewhere (the hosted sign-in page hands back a code). */
export const passwordStep = (tenant: Tenant, email: string, password: string, meta: RequestMeta) =>
  withPassword(tenant, email, password, meta, (user) => firstFactorStep(tenant, user));

function withPassword<R>(
  tenant: Tenant,
  email: string,
  password: string,
  meta: RequestMeta,
  then: (user: User) => Promise<R>,
): Promise<R> {
  return withCredentials(tenant, email, password, meta, async (user) => {
    const tenantId = tenant.id;
    try {
      assertEmailVerifiedIfRequired(tenant, user);
    } catch (error) {
      await audit(meta, {
        tenantId,
        event: 'authn_login_fail',
        outcome: 'failure',
        userId: user.userId,
        detail: { reason: 'email_not_verified' },
      });
      throw error;
    }
    return then(user);
  });
}

/** The session, or the second step the user owes after a first factor (S22). */
export async function afterFirstFactor(
  tenant: Tenant,
  user: User,
  meta: RequestMeta,
  detail?: Record<string, string>,
): Promise<SignInStep> {
  const step = await firstFactorStep(tenant, user);
  return step.mfa ? step : { user, issued: await signIn(user, tenant, meta, detail) };
}

/** What a proven first factor still owes: a second factor, enrolling one, or nothing. */
export async function firstFactorStep(tenant: Tenant, user: User): Promise<ProvenStep> {
  // S22: with a second factor, the first yields only the challenge: no session, no token, no cookie.
  if (factorsOf(user).length > 0 || passkeySecondFactor(tenant, user)) {
    return { user, mfa: await issueMfaChallenge(user, tenant) };
  }
  // The site's policy says this user needs a factor: the first only earns the right to enroll one.
  if (mustUseMfa(tenant, user)) return { user, mfa: await issueEnrollmentChallenge(user, tenant.id) };
  return { user };
}

/** S4: a hash made with weaker parameters is replaced while we hold the plaintext. */
async function upgradeHashIfOutdated(user: User, password: string): Promise<void> {
  if (!needsRehash(user.passwordHash)) return;
  try {
    // Conditional on the old hash: a password change racing this login wins.
    await setPasswordHash(user.userId, await hashPassword(password), { expectedHash: user.passwordHash });
  } catch (error) {
    logger.warn('password re-hash failed; will retry at next login', { error: error as Error });
  }
}
