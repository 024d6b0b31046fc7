// Enrolling and removing factors (TOTP, SMS, email) and replacing recovery codes; every change needs a recent
// sign-in or the current password (S27). The enroller is a signed-in user, or one whose site makes them enroll.

import type { AuthContext } from '../../app-env';
import { audit, type RequestMeta } from '../../core/audit';
import { clock } from '../../core/clock';
import type { Tenant } from '../../core/db/tenants';
import {
  activateEmailFactor,
  activateSms,
  activateTotp,
  type Factor,
  factorsOf,
  removeFactor,
  replaceRecoveryCodes,
  setPendingSms,
  setPendingTotp,
  takeCodeTry,
} from '../../core/db/user-factors';
import { getUser, setEmailVerified, type User } from '../../core/db/users';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../core/errors';
import { seal, unseal } from '../../core/sealed';
import { productNameOf } from '../../core/tenant-settings';
import { activeUser } from '../../middleware/authenticate';
import { verifyCredentials } from '../login';
import { RECENT_SIGN_IN_SECONDS } from '../recent-sign-in';
import { sendCodeByEmail, sendCodeBySms, smsAvailable } from './deliver';
import { acceptCode } from './one-time-codes';
import { mustUseMfa } from './policy';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes';
import { mfaSettings } from './settings';
import { matchTotp, newTotpSecret, qrSvg, totpUri } from './totp';

/** S27: changing factors needs a sign-in within 10 minutes, or the current password in the request. */
export { RECENT_SIGN_IN_SECONDS };

/** Who is changing factors: from an access token's session, or from an enrollment-only token. */
export type Enroller = {
  userId: string;
  tenant: Tenant;
  tenantId: string;
  /** Epoch seconds of the password sign-in this request rests on. */
  signedInAt: number;
  /** The session making the change (kept when others end); none for an enrollment-only token. */
  sessionId?: string;
  /** Set when enrolling at sign-in (the site requires MFA): the token, spent once a factor is on. */
  enrollmentToken?: { jti: string; exp: number };
};

export const enrollerOf = (auth: AuthContext): Enroller => ({
  userId: auth.userId,
  tenant: auth.tenant,
  tenantId: auth.claims.aud,
  signedInAt: Date.parse(auth.session.createdAt) / 1000,
  sessionId: auth.session.sessionId,
});

/**
 * The enroller's account, if they may change factors now (S27): signed in within 10 minutes, or the current
 * password, checked under the login lockout budget like any password guess (so it is no oracle).
 */
async function userAllowedToChangeFactors(
  who: Enroller,
  currentPassword: string | undefined,
  meta: RequestMeta,
): Promise<User> {
  const user = await activeUser(who.userId);
  if (clock.seconds() - who.signedInAt <= RECENT_SIGN_IN_SECONDS) return user;
  if (!currentPassword) {
    throw new ForbiddenError(
      'Sign in again, or send current_password, to change two-factor settings',
      'reauthentication_required',
    );
  }
  return verifyCredentials(who.tenant, user.email, currentPassword, meta).catch((error) => {
    if (error instanceof UnauthorizedError) {
      throw new ForbiddenError('Current password is incorrect', 'invalid_current_password');
    }
    throw error;
  });
}

/** Tries per enrollment code: a wrong guess at one of 10^6 codes is expected, a hundred are an attack. */
export const CODE_TRIES = 5;

const triesUsedUp = () =>
  new ValidationError([{ field: 'code', message: 'too many wrong codes; start the setup again' }]);

function assertSiteAllowsEnrollment(tenant: Tenant) {
  if (mfaSettings(tenant).mfa === 'off')
    throw new ForbiddenError('This site does not offer two-factor sign-in', 'mfa_disabled');
}

const wrongCode = () =>
  new ValidationError([{ field: 'code', message: 'does not match; check it and try again' }]);

export async function setupTotp(who: Enroller, currentPassword: string | undefined, meta: RequestMeta) {
  assertSiteAllowsEnrollment(who.tenant);
  const user = await userAllowedToChangeFactors(who, currentPassword, meta);
  const secret = await newTotpSecret();
  await setPendingTotp(user.userId, await seal(secret, user.userId));
  return totpSetupOf(secret, who.tenant, user.email);
}

/** The waiting seed's setup again (a page shown anew after a wrong first code); undefined when none waits. */
export async function pendingTotpSetup(who: Enroller) {
  const user = await getUser(who.userId);
  const secret = user?.mfa.totpPendingSecret && (await unseal(user.mfa.totpPendingSecret, user.userId));
  return user && secret ? totpSetupOf(secret, who.tenant, user.email) : undefined;
}

async function totpSetupOf(secret: string, tenant: Tenant, account: string) {
  const otpauthUrl = await totpUri(secret, productNameOf(tenant), account);
  return { secret, otpauth_url: otpauthUrl, qr_svg: await qrSvg(otpauthUrl) };
}

/** The first code from the app activates the seed. */
export async function activateTotpFactor(
  who: Enroller,
  code: string,
  currentPassword: string | undefined,
  meta: RequestMeta,
) {
  const user = await userAllowedToChangeFactors(who, currentPassword, meta);
  const pending = user.mfa.totpPendingSecret;
  if (!pending) throw wrongCode();
  if (!(await takeCodeTry(user.userId, { totpPending: pending }, CODE_TRIES))) throw triesUsedUp();
  const secret = await unseal(pending, user.userId);
  const step = secret ? await matchTotp(secret, code) : undefined;
  if (step === undefined) throw wrongCode();
  return enrolled(who, user, 'totp', meta, (codes) => activateTotp(user.userId, pending, step, codes));
}

/** Texts a code to `phone` (E.164); the factor is on once that code comes back. */
export async function setupSms(
  who: Enroller,
  phone: string,
  currentPassword: string | undefined,
  meta: RequestMeta,
) {
  assertSiteAllowsEnrollment(who.tenant);
  if (!smsAvailable()) throw new ForbiddenError('SMS codes are not available here', 'sms_unavailable');
  const user = await userAllowedToChangeFactors(who, currentPassword, meta);
  await setPendingSms(user.userId, await seal(phone, user.userId));
  return sendCodeBySms(who.tenant, user, phone, 'enroll_sms');
}

export async function activateSmsFactor(
  who: Enroller,
  code: string,
  currentPassword: string | undefined,
  meta: RequestMeta,
) {
  const user = await userAllowedToChangeFactors(who, currentPassword, meta);
  const pending = user.mfa.smsPendingPhone;
  if (!pending || !(await acceptEnrollmentCode(user, 'enroll_sms', code))) throw wrongCode();
  return enrolled(who, user, 'sms', meta, (codes) => activateSms(user.userId, pending, codes));
}

/** Emails a code to the account's address; the factor is on once that code comes back. */
export async function setupEmail(who: Enroller, currentPassword: string | undefined, meta: RequestMeta) {
  assertSiteAllowsEnrollment(who.tenant);
  const user = await userAllowedToChangeFactors(who, currentPassword, meta);
  return sendCodeByEmail(who.tenant, user, 'enroll_email');
}

export async function activateEmailCodes(
  who: Enroller,
  code: string,
  currentPassword: string | undefined,
  meta: RequestMeta,
) {
  const user = await userAllowedToChangeFactors(who, currentPassword, meta);
  if (!(await acceptEnrollmentCode(user, 'enroll_email', code))) throw wrongCode();
  const result = await enrolled(who, user, 'email', meta, (codes) => activateEmailFactor(user.userId, codes));
  // The code came back from the inbox: the address is proven, as a verification link would prove it.
  if (!user.emailVerified) await setEmailVerified(user.userId);
  return result;
}

/** An emailed or texted enrollment code, with a try taken first: after CODE_TRIES wrong ones it is dead. */
async function acceptEnrollmentCode(user: User, purpose: 'enroll_sms' | 'enroll_email', code: string) {
  if (user.mfa.otp?.purpose !== purpose) return false;
  if (!(await takeCodeTry(user.userId, { purpose }, CODE_TRIES))) throw triesUsedUp();
  return acceptCode(user.userId, purpose, code);
}

/** Switches a proven factor on; the first factor also brings ten recovery codes, shown this once (S26). */
async function enrolled(
  who: Enroller,
  user: User,
  factor: Factor,
  meta: RequestMeta,
  activate: (recoveryHashes: string[] | undefined) => Promise<boolean>,
) {
  const firstFactor = factorsOf(user).length === 0 && user.mfa.recoveryHashes.length === 0;
  const codes = firstFactor ? newRecoveryCodes() : undefined;
  if (!(await activate(codes?.map(recoveryCodeHash)))) {
    throw new ValidationError([{ field: 'code', message: 'setup changed meanwhile; start again' }]);
  }
  await audit(meta, {
    tenantId: who.tenantId,
    event: 'mfa_enrolled',
    outcome: 'success',
    userId: user.userId,
    detail: { factor },
  });
  return codes ? { activated: true, recovery_codes: codes } : { activated: true };
}

/** Turns a factor off; other sessions end, as after any factor change (S16). */
export async function removeUserFactor(
  who: Enroller,
  factor: Factor,
  currentPassword: string | undefined,
  meta: RequestMeta,
) {
  const user = await userAllowedToChangeFactors(who, currentPassword, meta);
  const factors = factorsOf(user);
  if (!factors.includes(factor)) throw new NotFoundError('No such factor', 'factor_not_found');
  if (factors.length === 1 && mustUseMfa(who.tenant, user)) {
    throw new ForbiddenError(
      'This site requires two-factor sign-in; add another factor first',
      'mfa_required',
    );
  }
  // S16: a factor change ends every session but the one that made it, in the same write.
  const keep = who.sessionId ? { kind: 'user' as const, sessionId: who.sessionId } : undefined;
  if (!(await removeFactor(user.userId, factor, keep)))
    throw new NotFoundError('No such factor', 'factor_not_found');
  await audit(meta, {
    tenantId: who.tenantId,
    event: 'mfa_removed',
    outcome: 'success',
    userId: user.userId,
    detail: { factor },
  });
}

/** A fresh set of ten codes; the old set is void (S26). */
export async function regenerateRecoveryCodes(
  who: Enroller,
  currentPassword: string | undefined,
  meta: RequestMeta,
) {
  const user = await userAllowedToChangeFactors(who, currentPassword, meta);
  const codes = newRecoveryCodes();
  if (!(await replaceRecoveryCodes(user.userId, codes.map(recoveryCodeHash)))) {
    throw new ValidationError([{ field: 'factor', message: 'set up a second factor first' }]);
  }
  await audit(meta, {
    tenantId: who.tenantId,
    event: 'mfa_recovery_codes_regenerated',
    outcome: 'success',
    userId: user.userId,
  });
  return { recovery_codes: codes };
}
