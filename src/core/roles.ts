// Who may do what in the admin console: platform admins everywhere, tenant admins on their own site only.
import type { User } from './db/users';

export const ROLES = ['platform_admin', 'tenant_admin'] as const;
export type Role = (typeof ROLES)[number];

export const isPlatformAdmin = (user: Pick<User, 'roles'>) => user.roles.includes('platform_admin');
export const isAdmin = (user: Pick<User, 'roles'>) =>
  isPlatformAdmin(user) || user.roles.includes('tenant_admin');

/** A tenant admin reaching another tenant's record is told it does not exist (404), not that it is forbidden. */
export function canManageTenant(user: Pick<User, 'roles' | 'tenantId'>, tenantId: string): boolean {
  return isPlatformAdmin(user) || (user.roles.includes('tenant_admin') && user.tenantId === tenantId);
}
