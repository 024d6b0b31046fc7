// Sign-in by emailed link. The request answers the same whatever the address (S6, S18); the token is 256 bits,
// stored only as its digest (S14), single use, 15 minutes, bound to the site and the one page of the site it is
// handed to. The email links to a hosted page whose GET changes nothing (mail scanners open links); its button
// hands the token to the site's page, which spends it with POST /auth/magic-link/verify. A second factor still
// applies after it, as after a password (S22).
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { randomToken, sha256Hex } from '../core/crypto';
import { consumeResetToken, getLiveResetToken, putResetToken } from '../core/db/password-resets';
import type { Tenant } from '../core/db/tenants';
import { getUser, userIdOf } from '../core/db/users';
import { BadRequestError, ForbiddenError, ServiceUnavailableError } from '../core/errors';
import { logger } from '../core/log';
import { enforceRateLimit, withinRateLimit } from '../core/rate-limit';
import { assertSitePage, siteSettings } from '../core/tenant-settings';
import { tenantResolver } from '../core/tenants';
import { enqueueTenantEmail } from '../email';
import { linkWithToken } from './links';
import { afterFirstFactor, type SignInStep } from './login';

export const MAGIC_LINK_TTL_SECONDS = 15 * 60;
export const MAGIC_LINK_REQUESTS_PER_IP = { name: 'magic-ip', max: 20, windowSeconds: 900 };
/** Per address: beyond this, requests are answered the same but send nothing (no mail bombing). */
export const MAGIC_LINK_EMAILS_PER_ADDRESS = { name: 'magic-email', max: 3, windowSeconds: 900 };

const invalidMagicLink = () =>
  new BadRequestError('Sign-in link is invalid or has expired', 'invalid_magic_link');

/** Refused before anything is looked up: the site has the method off, or the page is not one of the site's. */
export function assertMagicLinkTarget(tenant: Tenant, redirectUri: string): void {
  if (!siteSettings(tenant).magic_links)
    throw new ForbiddenError('This site does not offer sign-in links', 'magic_links_disabled');
  assertSitePage(tenant, redirectUri);
}

/** Emails a sign-in link when the account exists and is active; looks the same either way. */
export async function requestMagicLink(
  tenant: Tenant,
  email: string,
  redirectUri: string,
  meta: RequestMeta,
): Promise<void> {
  assertMagicLinkTarget(tenant, redirectUri);
  await enforceRateLimit(tenant, MAGIC_LINK_REQUESTS_PER_IP, meta.ip);
  const tenantId = tenant.id;
  const userId = userIdOf(tenant.clientId, tenant.siteId, email);
  const user = await getUser(userId);
  const refused = (reason: string) =>
    audit(meta, {
      tenantId,
      event: 'authn_magic_link_request',
      outcome: 'failure',
      userId,
      detail: { reason },
    });
  if (user?.status !== 'active') return refused(user ? 'disabled' : 'unknown_user');
  if (!(await withinRateLimit(tenant, MAGIC_LINK_EMAILS_PER_ADDRESS, email))) return refused('suppressed');
  const token = randomToken();
  const link = linkWithToken(undefined, '/magic-link', token);
  if (!link) {
    logger.error('PUBLIC_BASE_URL is unset; sign-in link not sent', { tenant: tenantId });
    return refused('no_public_base_url');
  }
  await putResetToken({
    tokenHash: sha256Hex(token),
    purpose: 'magic_link',
    userId,
    tenantId,
    createdAt: clock.now(),
    expiresAt: clock.seconds() + MAGIC_LINK_TTL_SECONDS,
    used: false,
    redirectUri,
  });
  try {
    await enqueueTenantEmail(tenant, 'magic_link', user.email, {
      name: user.name,
      login_url: link,
      expires_minutes: MAGIC_LINK_TTL_SECONDS / 60,
    });
  } catch (error) {
    // The token is useless without its email: the caller is told to try again.
    logger.error('sign-in link email not queued', { error: error as Error });
    throw new ServiceUnavailableError();
  }
  await audit(meta, { tenantId, event: 'authn_magic_link_request', outcome: 'success', userId });
}

/** Where a live link's token goes (the hosted page's button), read without spending it. */
export async function magicLinkTarget(
  token: string,
): Promise<{ tenant: Tenant; redirectUri: string } | undefined> {
  const record = await getLiveResetToken(sha256Hex(token), clock.seconds(), 'magic_link');
  const tenant = record?.redirectUri ? await tenantResolver().byId(record.tenantId) : undefined;
  return tenant && record?.redirectUri ? { tenant, redirectUri: record.redirectUri } : undefined;
}

/** Spends a link (one winner under concurrency) and signs in, or asks for the second factor. */
export async function redeemMagicLink(tenant: Tenant, token: string, meta: RequestMeta): Promise<SignInStep> {
  const tokenHash = sha256Hex(token);
  const record = await getLiveResetToken(tokenHash, clock.seconds(), 'magic_link');
  // Another site's link is not this site's to spend: the same answer as an unknown one, and it stays unspent.
  if (!record || record.tenantId !== tenant.id || !siteSettings(tenant).magic_links) throw invalidMagicLink();
  const user = await getUser(record.userId);
  if (user?.status !== 'active') throw invalidMagicLink();
  if (!(await consumeResetToken(tokenHash, clock.seconds(), 'magic_link'))) throw invalidMagicLink();
  // S22: a second factor still stands between the link and a session.
  return afterFirstFactor(tenant, user, meta, { method: 'magic_link' });
}
