// Email verification: a single-use 256-bit token emailed at registration (and on request); confirming sets email_verified.
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { randomToken, sha256Hex } from '../core/crypto';
import { consumeResetToken, getLiveResetToken, putResetToken } from '../core/db/password-resets';
import type { Tenant } from '../core/db/tenants';
import { getUser, setEmailVerified, type User, userIdOf } from '../core/db/users';
import { BadRequestError } from '../core/errors';
import { logger } from '../core/log';
import { enforceRateLimit, withinRateLimit } from '../core/rate-limit';
import { siteSettings } from '../core/tenant-settings';
import { tenantResolver } from '../core/tenants';
import { enqueueTenantEmail } from '../email';
import { linkWithToken } from './links';

const VERIFY_TTL_HOURS = 48;
export const VERIFY_RESENDS_PER_IP = { name: 'verify-ip', max: 20, windowSeconds: 900 };
export const VERIFY_EMAILS_PER_ADDRESS = { name: 'verify-email', max: 3, windowSeconds: 3_600 };

const invalidVerifyToken = () =>
  new BadRequestError('Verification link is invalid or has expired', 'invalid_verification_token');

/**
 * Emails a verification link. Returns false (and logs) when it could not be queued: the account exists
 * either way, and the user can ask for another link, so registration does not fail over it.
 */
export async function sendVerificationEmail(
  tenant: Tenant,
  user: Pick<User, 'userId' | 'email' | 'name'>,
): Promise<boolean> {
  const token = randomToken();
  const link = linkWithToken(siteSettings(tenant).verify_url, '/verify-email', token);
  if (!link) {
    logger.error('tenant has no verify_url and PUBLIC_BASE_URL is unset; verification email not sent', {
      tenant: tenant.id,
    });
    return false;
  }
  try {
    await putResetToken({
      tokenHash: sha256Hex(token),
      purpose: 'email_verification',
      userId: user.userId,
      tenantId: tenant.id,
      createdAt: clock.now(),
      expiresAt: clock.seconds() + VERIFY_TTL_HOURS * 3600,
      used: false,
    });
    await enqueueTenantEmail(tenant, 'email_verification', user.email, {
      name: user.name,
      verify_url: link,
      expires_hours: VERIFY_TTL_HOURS,
    });
    return true;
  } catch (error) {
    logger.error('verification email not queued', { error: error as Error });
    return false;
  }
}

export async function confirmEmailVerification(
  token: string,
  meta: RequestMeta,
  { expectedTenantId }: { expectedTenantId?: string } = {},
): Promise<void> {
  const tokenHash = sha256Hex(token);
  const record = await getLiveResetToken(tokenHash, clock.seconds(), 'email_verification');
  if (!record || (expectedTenantId && record.tenantId !== expectedTenantId)) throw invalidVerifyToken();
  const user = await getUser(record.userId);
  if (user?.status !== 'active') throw invalidVerifyToken();
  if (!(await consumeResetToken(tokenHash, clock.seconds(), 'email_verification')))
    throw invalidVerifyToken();
  await setEmailVerified(user.userId);
  await audit(meta, {
    tenantId: record.tenantId,
    event: 'user_email_verified',
    outcome: 'success',
    userId: user.userId,
  });
}

/** Another link for an unverified account; the same answer whether or not it exists (S18). */
export async function resendVerification(tenant: Tenant, email: string, meta: RequestMeta): Promise<void> {
  await enforceRateLimit(tenant, VERIFY_RESENDS_PER_IP, meta.ip);
  const user = await getUser(userIdOf(tenant.clientId, tenant.siteId, email));
  if (user?.status !== 'active' || user.emailVerified) return;
  if (!(await withinRateLimit(tenant, VERIFY_EMAILS_PER_ADDRESS, email))) return;
  await sendVerificationEmail(tenant, user);
}

/** The tenant a token belongs to, for pages that show the site's name before redeeming it. */
export async function tenantOfToken(token: string, purpose: 'password_reset' | 'email_verification') {
  const record = await getLiveResetToken(sha256Hex(token), clock.seconds(), purpose);
  return record ? tenantResolver().byId(record.tenantId) : undefined;
}
