// The second step of a sign-in with MFA: the challenge token from /auth/login plus a TOTP or recovery code.
import { type IssuedTokens, startSession } from '../auth/session-tokens';
import { recordLoginFailure, resetLoginFailures, takeLoginAttempt } from '../auth/throttle';
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { blacklistToken, isTokenBlacklisted } from '../core/db/blacklist';
import { takeAttempt } from '../core/db/login-attempts';
import type { Tenant } from '../core/db/tenants';
import { consumeRecoveryCode, consumeTotpStep, getUser, recordLogin, type User } from '../core/db/users';
import { UnauthorizedError } from '../core/errors';
import { tokens } from '../core/jwt';
import { logger } from '../core/log';
import { enqueueTenantEmail } from '../core/queue';
import { unseal } from '../core/sealed';
import { tenantResolver } from '../core/tenants';
import { recoveryCodeHash } from './recovery-codes';
import { matchTotp } from './totp';

export const MFA_TOKEN_SECONDS = 300;
/** S24: about five tries per challenge; after that the challenge is dead and the password step starts over. */
export const MFA_ATTEMPTS = 5;

export type MfaMethod = 'totp' | 'recovery_code';

export const methodsOf = (user: User): MfaMethod[] => [
  ...(user.mfa.totpSecret ? (['totp'] as const) : []),
  ...(user.mfa.recoveryHashes.length ? (['recovery_code'] as const) : []),
];

/** S22: after the password, only this: a short-lived, single-use token that can do nothing but finish MFA. */
export async function issueMfaChallenge(user: User, tenantId: string) {
  const mfaToken = await tokens().sign({
    kind: 'mfa',
    subject: user.userId,
    audience: tenantId,
    ttlSeconds: MFA_TOKEN_SECONDS,
  });
  return { mfa_required: true as const, mfa_token: mfaToken, methods: methodsOf(user) };
}

const invalidCode = () => new UnauthorizedError('Invalid code', 'invalid_mfa_code');
const deadChallenge = () => new UnauthorizedError('Sign in again', 'invalid_mfa_token');

export async function completeMfaLogin(
  mfaToken: string,
  answer: { code?: string; recoveryCode?: string },
  meta: RequestMeta,
  { expectedTenantId }: { expectedTenantId?: string } = {},
): Promise<{ user: User; tenant: Tenant; issued: IssuedTokens }> {
  const claims = await tokens()
    .verify(mfaToken, { kind: 'mfa' })
    .catch(() => {
      throw deadChallenge();
    });
  // S28: another site's key cannot finish this site's sign-in.
  if (expectedTenantId && claims.aud !== expectedTenantId) throw deadChallenge();
  if (await isTokenBlacklisted(claims.jti)) throw deadChallenge();
  const perChallenge = await takeAttempt(
    `mfa#${claims.jti}`,
    { max: MFA_ATTEMPTS, windowSeconds: MFA_TOKEN_SECONDS },
    clock.seconds(),
  );
  if (!perChallenge.allowed) throw deadChallenge();

  const [tenant, user] = await Promise.all([tenantResolver().byId(claims.aud), getUser(claims.sub)]);
  if (!tenant || user?.status !== 'active') throw deadChallenge();
  // S24: wrong codes count toward the account's lockout, like wrong passwords.
  const budget = await takeLoginAttempt(tenant, user.email, meta.ip);

  const method = answer.recoveryCode !== undefined ? 'recovery_code' : 'totp';
  const ok =
    method === 'totp'
      ? await acceptTotp(user, answer.code ?? '')
      : await acceptRecoveryCode(user, answer.recoveryCode ?? '');
  if (!ok) {
    await recordLoginFailure(budget);
    await audit(meta, {
      tenantId: claims.aud,
      event: 'authn_mfa_fail',
      outcome: 'failure',
      userId: user.userId,
      detail: { method },
    });
    throw invalidCode();
  }
  await resetLoginFailures(budget);
  // Single use: this challenge cannot start a second session.
  await blacklistToken(claims.jti, claims.exp);
  if (method === 'recovery_code') await recoveryCodeUsed(user, tenant, meta);
  const issued = await startSession(user, tenant, meta);
  await recordLogin(user.userId, new Date(clock.now()).toISOString());
  await audit(meta, {
    tenantId: claims.aud,
    event: 'authn_login_success',
    outcome: 'success',
    userId: user.userId,
    detail: { mfa: method, session_id: issued.session.sessionId },
  });
  return { user, tenant, issued };
}

/** A TOTP code for this user's active seed, accepted once per step (S23); the console's sign-in uses it too. */
export async function acceptTotp(user: User, code: string): Promise<boolean> {
  const secret = user.mfa.totpSecret && (await unseal(user.mfa.totpSecret, user.userId));
  if (!secret) return false;
  const step = await matchTotp(secret, code);
  // S23: once per step, even when the same code arrives twice at once.
  return step !== undefined && (await consumeTotpStep(user.userId, step));
}

const acceptRecoveryCode = (user: User, code: string) =>
  code.length > 0 && code.length < 64
    ? consumeRecoveryCode(user.userId, recoveryCodeHash(code))
    : Promise.resolve(false);

/** S26: using a recovery code is worth telling the owner about. */
async function recoveryCodeUsed(user: User, tenant: Tenant, meta: RequestMeta) {
  await audit(meta, {
    tenantId: `${tenant.clientId}#${tenant.siteId}`,
    event: 'mfa_recovery_code_used',
    outcome: 'success',
    userId: user.userId,
  });
  await enqueueTenantEmail(tenant, 'notification', user.email, {
    title: 'A recovery code was used to sign in',
    message: `One of your recovery codes was just used to sign in to ${tenant.name}. If it was not you, reset your password and set up two-factor sign-in again.`,
  }).catch((error: Error) => logger.error('recovery-code notice not queued', { error }));
}
