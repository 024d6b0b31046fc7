// Emergency lockdown, as every sign-in, refresh and second step sees it: refused with one clear 503 while a lockdown
// covers the site (global, or the site's own), checked before any password is looked at so the answer says nothing
// about the credentials. Platform admins (the console's own site) are never locked out of the console.
import type { Tenant } from './db/tenants';
import { ServiceUnavailableError, UnauthorizedError } from './errors';
import { isPlatformTenant } from './roles';
import { tenantResolver } from './tenants';

export const LOCKDOWN_RETRY_SECONDS = 60;

export const lockedDown = () =>
  new ServiceUnavailableError(
    'Sign-in is suspended for now (emergency lockdown); try again later',
    'lockdown',
    LOCKDOWN_RETRY_SECONDS,
  );

export async function assertSignInOpen(tenant: Pick<Tenant, 'id' | 'clientId' | 'siteId'>): Promise<void> {
  if (isPlatformTenant(tenant)) return;
  if (await tenantResolver().lockdownOf(tenant.id)) throw lockedDown();
}

/** A session started before a lockdown that revoked its site's sessions is over. */
export async function assertSessionNotRevoked(tenantId: string, sessionCreatedAt: string): Promise<void> {
  const before = await tenantResolver().sessionsRevokedBefore(tenantId);
  if (before !== undefined && Date.parse(sessionCreatedAt) < before) {
    throw new UnauthorizedError('Session ended; sign in again', 'session_revoked');
  }
}
