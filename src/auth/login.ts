// POST /auth/login: throttle, look up, verify (always one scrypt), then start a session. Failures look identical (S6).
import { audit, type RequestMeta } from '../core/audit';
import { randomToken } from '../core/crypto';
import type { Tenant } from '../core/db/tenants';
import { factorsOf } from '../core/db/user-factors';
import { getUser, setPasswordHash, type User, userIdOf } from '../core/db/users';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../core/errors';
import { logger } from '../core/log';
import {
  configuredScrypt,
  DEFAULT_SCRYPT,
  hashPassword,
  needsRehash,
  verifyPassword,
} from '../core/passwords';
import { siteSettings } from '../core/tenant-settings';
import { issueEnrollmentChallenge, issueMfaChallenge } from './mfa/challenge';
import { mustUseMfa } from './mfa/policy';
import { type IssuedTokens, signIn } from './session-tokens';
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
export async function verifyCredentials(
  tenant: Tenant,
  email: string,
  password: string,
  meta: RequestMeta,
): Promise<User> {
  const tenantId = tenant.id;
  const userId = userIdOf(tenant.clientId, tenant.siteId, email);
  if (email.length > MAX_EMAIL_LENGTH) {
    // No account can have it (RFC 5321), and it is no key to count under: a failure like any other, same cost.
    await verifyPassword(password, await dummyPasswordHash());
    throw invalidCredentials();
  }
  let budget: Awaited<ReturnType<typeof takeLoginAttempt>>;
  try {
    budget = await takeLoginAttempt(tenant, email, meta.ip);
  } catch (error) {
    if (error instanceof TooManyRequestsError) {
      await audit(meta, {
        tenantId,
        event: 'authn_login_fail',
        outcome: 'failure',
        userId,
        detail: { reason: 'locked' },
      });
    }
    throw error;
  }
  const user = await getUser(userId);
  const matches = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
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
    if (lockedNow) await audit(meta, { tenantId, event: 'authn_login_lock', outcome: 'success', userId });
    throw invalidCredentials();
  }
  await resetLoginFailures(budget);
  await upgradeHashIfOutdated(user, password);
  return user;
}

/** A site may keep users out until they confirm their address; said only after the password proved right. */
function assertEmailVerifiedIfRequired(tenant: Tenant, user: User): void {
  if (siteSettings(tenant).require_verified_email && !user.emailVerified) {
    throw new ForbiddenError('Confirm your email address before signing in', 'email_not_verified');
  }
}

export type PasswordStep =
  | { user: User; issued: IssuedTokens; mfa?: undefined }
  | {
      user: User;
      issued?: undefined;
      mfa:
        | Awaited<ReturnType<typeof issueMfaChallenge>>
        | Awaited<ReturnType<typeof issueEnrollmentChallenge>>;
    };

export async function loginWithPassword(
  tenant: Tenant,
  email: string,
  password: string,
  meta: RequestMeta,
): Promise<PasswordStep> {
  const user = await verifyCredentials(tenant, email, password, meta);
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
  // S22: with a second factor, the password step yields only the challenge: no session, no token, no cookie.
  if (factorsOf(user).length > 0) return { user, mfa: await issueMfaChallenge(user, tenantId) };
  // The site's policy says this user needs a factor: the password only earns the right to enroll one.
  if (mustUseMfa(tenant, user)) return { user, mfa: await issueEnrollmentChallenge(user, tenantId) };
  return { user, issued: await signIn(user, tenant, meta) };
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
