// What an admin can do to a user; each action is audited (S42) by the caller.

import { liftLockout, passwordProblem, requestPasswordReset, sendVerificationEmail } from '../auth';
import type { RequestMeta } from '../core/audit';
import type { Tenant } from '../core/db/tenants';
import { removeAllFactors } from '../core/db/user-factors';
import {
  createUser,
  endUserSessions,
  newUser,
  setUserRoles,
  setUserStatus,
  type User,
} from '../core/db/users';
import { hashPassword } from '../core/passwords';
import { siteSettings } from '../core/tenant-settings';
import { deleteAllSecretMessages } from '../secrets';
import type { FieldErrors } from './tenant-forms';

/** Unlike self-registration, an admin is told plainly when the address is taken. */
export async function createUserAsAdmin(
  tenant: Tenant,
  input: { email: string; password: string; name: string },
): Promise<{ user: User } | { errors: FieldErrors }> {
  const email = input.email.trim().toLowerCase();
  const errors: FieldErrors = {};
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(email) || email.length > 254)
    errors.email = 'must be a valid email address';
  const problem = await passwordProblem(input.password, {
    minLength: siteSettings(tenant).password_min_length,
    email,
    siteName: tenant.name,
  });
  if (problem) errors.password = problem;
  if (input.name.length > 100) errors.name = 'is too long';
  if (Object.keys(errors).length) return { errors };
  const user = newUser(tenant, {
    email,
    name: input.name.trim(),
    passwordHash: await hashPassword(input.password),
  });
  if (!(await createUser(user))) return { errors: { email: 'a user with this email exists on this site' } };
  await sendVerificationEmail(tenant, user);
  return { user };
}

export const USER_ACTIONS = [
  'disable',
  'enable',
  'unlock',
  'reset',
  'revoke-sessions',
  'reset-mfa',
  'delete-secrets',
] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

/** Runs one action; returns the notice code for the page that follows. */
export async function runUserAction(
  action: UserAction,
  user: User,
  tenant: Tenant,
  meta: RequestMeta,
): Promise<string> {
  switch (action) {
    case 'disable':
      // S16: a disabled account's tokens stop working now (the same write ends every session).
      await setUserStatus(user.userId, 'disabled');
      return 'user_disabled';
    case 'enable':
      await setUserStatus(user.userId, 'active');
      return 'user_enabled';
    case 'unlock':
      await liftLockout(tenant, user.email);
      return 'user_unlocked';
    case 'reset':
      await requestPasswordReset(tenant, user.email, meta);
      return 'reset_sent';
    case 'revoke-sessions':
      await endUserSessions(user.userId);
      return 'sessions_revoked';
    case 'reset-mfa':
      // For a user who lost their phone and codes: off with the factor, and with every session (S16).
      await removeAllFactors(user.userId);
      return 'mfa_reset';
    case 'delete-secrets':
      // Their content was never readable here; the user's key stays, so new messages can still arrive.
      await deleteAllSecretMessages(user.userId);
      return 'secrets_deleted';
  }
}

/** Roles are granted only by platform admins; platform_admin only to accounts of the platform tenant. */
export async function saveRoles(
  user: User,
  wanted: { tenantAdmin: boolean; platformAdmin: boolean; publisher?: boolean },
  isPlatformTenantUser: boolean,
) {
  const roles = [
    ...(wanted.tenantAdmin ? ['tenant_admin'] : []),
    ...(wanted.publisher ? ['publisher'] : []),
    ...(wanted.platformAdmin && isPlatformTenantUser ? ['platform_admin'] : []),
  ];
  await setUserRoles(user.userId, roles);
  // A demoted admin's console sessions end with their role (checked on every console request anyway).
  return roles;
}
