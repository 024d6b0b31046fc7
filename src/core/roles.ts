// Who may do what in the admin console: platform admins everywhere, tenant admins on their own site only.
import type { User } from './db/users';

/** publisher: may upload pages to the site's publishing (docs/publish.md); no console access. */
export const ROLES = ['platform_admin', 'tenant_admin', 'publisher'] as const;
export type Role = (typeof ROLES)[number];

/** Platform admins are users of this tenant; it has no API keys and no origins, so no site can act as it. */
export const PLATFORM_TENANT = {
  clientId: 'platform',
  siteId: 'console',
  name: 'lambdalith console',
} as const;

/** The console's own tenant (its users are platform admins; its relying party is the console's host). */
export const isPlatformTenant = (t: { clientId: string; siteId: string }) =>
  t.clientId === PLATFORM_TENANT.clientId && t.siteId === PLATFORM_TENANT.siteId;

export const isPlatformAdmin = (user: Pick<User, 'roles'>) => user.roles.includes('platform_admin');
export const isAdmin = (user: Pick<User, 'roles'>) =>
  isPlatformAdmin(user) || user.roles.includes('tenant_admin');

/** Who may upload pages for a site: its publishers and its admins. */
export const canPublish = (user: Pick<User, 'roles' | 'tenantId'>, tenantId: string) =>
  canManageTenant(user, tenantId) || (user.roles.includes('publisher') && user.tenantId === tenantId);

/** A tenant admin reaching another tenant's record is told it does not exist (404), not that it is forbidden. */
export function canManageTenant(user: Pick<User, 'roles' | 'tenantId'>, tenantId: string): boolean {
  return isPlatformAdmin(user) || (user.roles.includes('tenant_admin') && user.tenantId === tenantId);
}
