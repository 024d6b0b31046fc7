// The second step of a sign-in with MFA: the challenge token from /auth/login, an optional SMS/email code sent
// for it, then a TOTP, SMS, email or recovery code.

import { audit, type RequestMeta } from '../../core/audit';
import { clock } from '../../core/clock';
import { isTokenBlacklisted, spendToken } from '../../core/db/blacklist';
import { takeUnits } from '../../core/db/counters';
import type { Tenant } from '../../core/db/tenants';
import { consumeRecoveryCode, consumeTotpStep, type Factor, factorsOf } from '../../core/db/user-factors';
import { credentialStamp, getUser, type User } from '../../core/db/users';
import {
  ForbiddenError,
  ServiceUnavailableError,
  UnauthorizedError,
  ValidationError,
} from '../../core/errors';
import { tokens } from '../../core/jwt';
import { assertSignInOpen } from '../../core/lockdown';
import { logger } from '../../core/log';
import { unseal } from '../../core/sealed';
import { tenantResolver } from '../../core/tenants';
import { enqueueTenantEmail } from '../../email';
import type { AssertionJson } from '../passkeys/schemas';
import { type IssuedTokens, signIn } from '../session-tokens';
import { passkeySecondFactor } from '../sign-in-methods';
import { recordLoginFailure, resetLoginFailures, takeLoginAttempt } from '../throttle';
import { sendCodeByEmail, sendCodeBySms } from './deliver';
import { RECENT_SIGN_IN_SECONDS } from './enroll';
import { acceptCode } from './one-time-codes';
import { enrollableFactors } from './policy';
import { recoveryCodeHash } from './recovery-codes';
import { secondFactorAccepted, secondFactorRefused, takeSecondFactorTry } from './second-factor-budget';
import { matchTotp } from './totp';

export const MFA_TOKEN_SECONDS = 300;
/** S24: about five tries per challenge; after that the challenge is dead and the password step starts over. */
export const MFA_ATTEMPTS = 5;

export type MfaMethod = Factor | 'passkey' | 'recovery_code';
export type EnrollmentUse = 'api' | 'console';

export const methodsOf = (user: User, tenant: Tenant): MfaMethod[] => [
  ...factorsOf(user),
  ...(passkeySecondFactor(tenant, user) ? (['passkey'] as const) : []),
  ...(user.mfa.recoveryHashes.length ? (['recovery_code'] as const) : []),
];

/** S22: after the password, only this: a short-lived, single-use token that can do nothing but finish MFA. */
export async function issueMfaChallenge(user: User, tenant: Tenant) {
  const mfaToken = await tokens().sign({
    kind: 'mfa',
    subject: user.userId,
    audience: tenant.id,
    ttlSeconds: MFA_TOKEN_SECONDS,
    // Bound to the credentials as they are now: a password reset or factor change kills it (S16).
    claims: { cs: credentialStamp(user) },
  });
  return { mfa_required: true as const, mfa_token: mfaToken, methods: methodsOf(user, tenant) };
}

/**
 * For a user the site's policy makes enroll first: a token that can only set up a factor, not a session.
 * `use` keeps the console's (finishing in a console session) and the API's (an API session) apart.
 */
export async function issueEnrollmentChallenge(user: User, tenantId: string, use: EnrollmentUse = 'api') {
  const mfaToken = await tokens().sign({
    kind: 'mfa_enroll',
    subject: user.userId,
    audience: tenantId,
    ttlSeconds: RECENT_SIGN_IN_SECONDS,
    claims: { use, cs: credentialStamp(user) },
  });
  return { mfa_enrollment_required: true as const, mfa_token: mfaToken, methods: enrollableFactors() };
}

const invalidCode = () => new UnauthorizedError('Invalid code', 'invalid_mfa_code');
const deadChallenge = () => new UnauthorizedError('Sign in again', 'invalid_mfa_token');

/** The live challenge behind an mfa_token: its claims, site and (active) user. */
async function openChallenge(mfaToken: string, expectedTenantId: string | undefined) {
  const claims = await tokens()
    .verify(mfaToken, { kind: 'mfa' })
    .catch(() => {
      throw deadChallenge();
    });
  // S28: another site's key cannot act on this site's sign-in.
  if (expectedTenantId && claims.aud !== expectedTenantId) throw deadChallenge();
  if (await isTokenBlacklisted(claims.jti)) throw deadChallenge();
  const [tenant, user] = await Promise.all([tenantResolver().byId(claims.aud), getUser(claims.sub)]);
  if (!tenant || user?.status !== 'active' || claims.cs !== credentialStamp(user)) throw deadChallenge();
  return { claims, tenant, user };
}

/** Sends a login code by SMS or email for a challenge (S25: a resend voids the previous code). */
export async function sendLoginCode(
  mfaToken: string,
  method: 'sms' | 'email',
  meta: RequestMeta,
  { expectedTenantId }: { expectedTenantId?: string } = {},
) {
  const { claims, tenant, user } = await openChallenge(mfaToken, expectedTenantId);
  if (!factorsOf(user).includes(method)) {
    throw new ValidationError([{ field: 'method', message: `not one of this account's methods` }]);
  }
  const phone = method === 'sms' && user.mfa.smsPhone && (await unseal(user.mfa.smsPhone, user.userId));
  if (method === 'sms' && !phone) throw deadChallenge();
  const sent = phone
    ? await sendCodeBySms(tenant, user, phone, 'login_sms')
    : await sendCodeByEmail(tenant, user, 'login_email');
  await audit(meta, {
    tenantId: claims.aud,
    event: 'mfa_challenge_sent',
    outcome: 'success',
    userId: user.userId,
    detail: { method },
  });
  return { message: 'Code sent', method, ...sent };
}

/** For a user whose passkeys stand as a second factor: WebAuthn options for this sign-in's assertion. */
export async function passkeyChallenge(
  mfaToken: string,
  { expectedTenantId }: { expectedTenantId?: string } = {},
) {
  const { tenant, user } = await openChallenge(mfaToken, expectedTenantId);
  if (!passkeySecondFactor(tenant, user)) {
    throw new ValidationError([{ field: 'method', message: `not one of this account's methods` }]);
  }
  // The WebAuthn library loads only when a passkey is the answer.
  const { secondFactorOptions } = await import('../passkeys/ceremonies');
  return { method: 'passkey' as const, options: await secondFactorOptions(tenant, user) };
}

export type SecondFactorAnswer = { code?: string; recoveryCode?: string; passkey?: AssertionJson };

export async function completeMfaLogin(
  mfaToken: string,
  answer: SecondFactorAnswer,
  meta: RequestMeta,
  options: { expectedTenantId?: string } = {},
): Promise<{ user: User; tenant: Tenant; issued: IssuedTokens }> {
  const { user, tenant, method } = await passSecondFactor(mfaToken, answer, meta, options);
  return { user, tenant, issued: await signIn(user, tenant, meta, { mfa: method }) };
}

/**
 * The second step, checked and its challenge spent (one answer wins), without starting the session: the API signs
 * in at once, the hosted sign-in page hands the site a code.
 */
export async function passSecondFactor(
  mfaToken: string,
  answer: SecondFactorAnswer,
  meta: RequestMeta,
  { expectedTenantId }: { expectedTenantId?: string } = {},
): Promise<{ user: User; tenant: Tenant; method: MfaMethod }> {
  const { claims, tenant, user } = await openChallenge(mfaToken, expectedTenantId);
  // Before the answer is checked (and a code or the challenge spent): it can be used once the lockdown lifts.
  await assertSignInOpen(tenant);
  await takeChallengeTry(claims.jti);
  // Per user across challenges, never reset by a correct password: at most ~10 wrong codes per 15 minutes.
  const attempt = await takeSecondFactorTry(user);
  // S24: wrong codes count toward the account's lockout, like wrong passwords.
  const budget = await takeLoginAttempt(tenant, user.email, meta.ip).catch(async (error) => {
    await secondFactorAccepted(attempt);
    throw error;
  });

  const method = answer.passkey
    ? await acceptPasskey(tenant, user, answer.passkey)
    : answer.recoveryCode !== undefined
      ? await acceptRecoveryCode(user, answer.recoveryCode)
      : await acceptCodeOf(user, answer.code ?? '');
  if (!method) {
    await recordLoginFailure(budget);
    await secondFactorRefused(user, attempt, meta, {
      method: answer.passkey ? 'passkey' : answer.recoveryCode !== undefined ? 'recovery_code' : 'code',
    });
    throw invalidCode();
  }
  await Promise.all([resetLoginFailures(budget), secondFactorAccepted(attempt)]);
  if (method === 'recovery_code') await recoveryCodeUsed(user, tenant, meta);
  if (!(await spendToken(claims.jti, claims.exp))) throw deadChallenge();
  return { user, tenant, method };
}

/** S24: about five tries per challenge, taken before the code is checked; then it is dead. */
async function takeChallengeTry(jti: string): Promise<void> {
  let perChallenge: Awaited<ReturnType<typeof takeUnits>>;
  try {
    // A window far longer than the token lives, so one challenge never straddles two.
    perChallenge = await takeUnits(
      `mfa#${jti}`,
      { max: MFA_ATTEMPTS, windowSeconds: 86_400 },
      clock.seconds(),
    );
  } catch {
    throw new ServiceUnavailableError();
  }
  if (!perChallenge.allowed) throw deadChallenge();
}

/**
 * The session an MFA step earns. The token that led here is spent first, with a conditional write: of two
 * answers sent at once, one signs in and the other is refused, so one token never starts two sessions.
 */
export async function signInWithSecondFactor(
  user: User,
  tenant: Tenant,
  spent: { jti: string; exp: number },
  meta: RequestMeta,
  method: string,
): Promise<IssuedTokens> {
  if (!(await spendToken(spent.jti, spent.exp))) throw deadChallenge();
  return signIn(user, tenant, meta, { mfa: method });
}

/** Which factor a code belongs to: the SMS/email code outstanding for this sign-in, else the app's TOTP. */
async function acceptCodeOf(user: User, code: string): Promise<MfaMethod | undefined> {
  const purpose = user.mfa.otp?.purpose;
  if (purpose === 'login_sms' || purpose === 'login_email') {
    if (await acceptCode(user.userId, purpose, code)) return purpose === 'login_sms' ? 'sms' : 'email';
  }
  return (await acceptTotp(user, code)) ? 'totp' : undefined;
}

/** A TOTP code for this user's active seed, accepted once per step (S23); the console's sign-in uses it too. */
export async function acceptTotp(user: User, code: string): Promise<boolean> {
  const secret = user.mfa.totpSecret && (await unseal(user.mfa.totpSecret, user.userId));
  if (!secret) return false;
  const step = await matchTotp(secret, code);
  // S23: once per step, even when the same code arrives twice at once.
  return step !== undefined && (await consumeTotpStep(user.userId, step));
}

/** An assertion by one of the user's passkeys, where the site lets passkeys answer this step. */
async function acceptPasskey(
  tenant: Tenant,
  user: User,
  assertion: AssertionJson,
): Promise<MfaMethod | undefined> {
  if (!passkeySecondFactor(tenant, user)) return undefined;
  const { verifyAssertion } = await import('../passkeys/ceremonies');
  try {
    await verifyAssertion(tenant, assertion as never, 'mfa', user.userId);
    return 'passkey';
  } catch (error) {
    if (error instanceof UnauthorizedError || error instanceof ForbiddenError) return undefined;
    throw error;
  }
}

async function acceptRecoveryCode(user: User, code: string): Promise<MfaMethod | undefined> {
  return (await spendRecoveryCode(user, code)) ? 'recovery_code' : undefined;
}

/** One of the user's recovery codes, spent atomically (S26); the console's sign-in uses it too. */
export const spendRecoveryCode = async (user: User, code: string): Promise<boolean> =>
  code.length > 0 && code.length < 64 && (await consumeRecoveryCode(user.userId, recoveryCodeHash(code)));

/** S26: using a recovery code is worth telling the owner about. */
export async function recoveryCodeUsed(user: User, tenant: Tenant, meta: RequestMeta) {
  await audit(meta, {
    tenantId: tenant.id,
    event: 'mfa_recovery_code_used',
    outcome: 'success',
    userId: user.userId,
  });
  await enqueueTenantEmail(tenant, 'notification', user.email, {
    title: 'A recovery code was used to sign in',
    message: `One of your recovery codes was just used to sign in to ${tenant.name}. If it was not you, reset your password and set up two-factor sign-in again.`,
  }).catch((error: Error) => logger.error('recovery-code notice not queued', { error }));
}
