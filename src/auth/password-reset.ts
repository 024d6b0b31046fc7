// Password reset: same answer for every email (S18); a 256-bit single-use token stored only as its digest (S19).
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { randomToken, sha256Hex } from '../core/crypto';
import { consumeResetToken, getLiveResetToken, putResetToken } from '../core/db/password-resets';
import type { Tenant } from '../core/db/tenants';
import { getUser, setPasswordHash, type User, userIdOf } from '../core/db/users';
import { BadRequestError, ServiceUnavailableError, ValidationError } from '../core/errors';
import { logger } from '../core/log';
import { hashPassword } from '../core/passwords';
import { enforceRateLimit, withinRateLimit } from '../core/rate-limit';
import { siteSettings } from '../core/tenant-settings';
import { tenantResolver } from '../core/tenants';
import { enqueueTenantEmail } from '../email';
import { linkWithToken } from './links';
import { passwordProblem } from './password-policy';
import { liftLockout } from './throttle';

export const RESET_REQUESTS_PER_IP = { name: 'reset-ip', max: 20, windowSeconds: 900 };
/** Per address: beyond this, requests are answered the same but send nothing (S21, no mail bombing). */
export const RESET_EMAILS_PER_ADDRESS = { name: 'reset-email', max: 3, windowSeconds: 900 };

const invalidResetToken = () =>
  new BadRequestError('Reset link is invalid or has expired', 'invalid_reset_token');

/** Builds the link from the tenant's configured URL (else our hosted page), never from the request's Host (S20). */
export const resetLink = (tenant: Tenant, token: string) =>
  linkWithToken(siteSettings(tenant).reset_url, '/reset', token);

/** Issues and emails a reset link when the account exists; does nothing visible otherwise (S18, S21). */
export async function requestPasswordReset(tenant: Tenant, email: string, meta: RequestMeta): Promise<void> {
  await enforceRateLimit(tenant, RESET_REQUESTS_PER_IP, meta.ip);
  const tenantId = tenant.id;
  const userId = userIdOf(tenant.clientId, tenant.siteId, email);
  const user = await getUser(userId);
  if (user?.status !== 'active' || !(await withinRateLimit(tenant, RESET_EMAILS_PER_ADDRESS, email))) {
    await audit(meta, {
      tenantId,
      event: 'authn_password_reset_request',
      outcome: 'failure',
      userId,
      detail: { reason: user ? 'suppressed' : 'unknown_user' },
    });
    return;
  }
  const token = randomToken();
  const link = resetLink(tenant, token);
  if (!link) {
    logger.error('tenant has no reset_url and PUBLIC_BASE_URL is unset; reset email not sent', {
      tenant: tenantId,
    });
    await audit(meta, {
      tenantId,
      event: 'authn_password_reset_request',
      outcome: 'failure',
      userId,
      detail: { reason: 'no_reset_url' },
    });
    return;
  }
  const { reset_token_ttl_seconds: ttl } = siteSettings(tenant);
  await putResetToken({
    tokenHash: sha256Hex(token),
    purpose: 'password_reset',
    userId,
    tenantId,
    createdAt: clock.now(),
    expiresAt: clock.seconds() + ttl,
    used: false,
  });
  try {
    await enqueueTenantEmail(tenant, 'password_reset', user.email, {
      name: user.name,
      reset_url: link,
      expires_minutes: Math.round(ttl / 60),
      site_name: tenant.name,
    });
  } catch (error) {
    // Nothing may be lost silently: the caller is told to retry (the token is useless without the email).
    logger.error('password reset email not queued', { error: error as Error });
    throw new ServiceUnavailableError();
  }
  await audit(meta, { tenantId, event: 'authn_password_reset_request', outcome: 'success', userId });
}

/**
 * Redeems a reset token: checks it (and the new password) before spending it, spends it with a conditional
 * write (one winner under concurrency), then sets the password and ends every session (S16).
 */
export async function confirmPasswordReset(
  token: string,
  newPassword: string,
  meta: RequestMeta,
  { expectedTenantId }: { expectedTenantId?: string } = {},
): Promise<{ secretKeyLocked: boolean }> {
  const tokenHash = sha256Hex(token);
  const record = await getLiveResetToken(tokenHash, clock.seconds());
  if (!record || (expectedTenantId && record.tenantId !== expectedTenantId)) throw invalidResetToken();
  const [tenant, user] = await Promise.all([tenantResolver().byId(record.tenantId), getUser(record.userId)]);
  // A token older than the last password change belongs to a superseded request (S16).
  if (!tenant || user?.status !== 'active' || record.createdAt < user.passwordChangedAt)
    throw invalidResetToken();

  const problem = await passwordProblem(newPassword, {
    minLength: siteSettings(tenant).password_min_length,
    email: user.email,
    siteName: tenant.name,
  });
  if (problem) throw new ValidationError([{ field: 'new_password', message: problem }]);

  if (!(await consumeResetToken(tokenHash, clock.seconds()))) throw invalidResetToken();
  await replacePassword(user, newPassword);
  // Proving control of the mailbox lifts a lockout.
  await liftLockout(tenant, user.email);
  await noticePasswordChanged(tenant, user);
  await audit(meta, {
    tenantId: record.tenantId,
    event: 'authn_password_reset_complete',
    outcome: 'success',
    userId: user.userId,
  });
  // S39: nobody had the old password, so a secret-message key stays wrapped under it until recovered.
  const { hasSecretKey } = await import('../core/secret-key-rewrap');
  return { secretKeyLocked: await hasSecretKey(user.userId) };
}

/** Sets a new password and, in the same write, ends every session of the user (S16). */
/** Sets a new password (ending every session); returns its change time, the new credential stamp. */
export async function replacePassword(user: User, newPassword: string): Promise<number> {
  const changedAt = clock.now();
  await setPasswordHash(user.userId, await hashPassword(newPassword), { changedAt });
  return changedAt;
}

export async function noticePasswordChanged(tenant: Tenant, user: User): Promise<void> {
  try {
    await enqueueTenantEmail(tenant, 'password_changed', user.email, {
      name: user.name,
      site_name: tenant.name,
      changed_at: new Date(clock.now()).toISOString(),
    });
  } catch (error) {
    // The password is already changed; losing the courtesy notice must not undo or fail that.
    logger.error('password-changed notice not queued', { error: error as Error });
  }
}
