// Console sign-in by email and password: the admin account is found by email across sites, and checked by the
// same verifyCredentials as the API, so its lockout and throttling apply here too.
import { invalidCredentials, verifyCredentials } from '../auth/login';
import { audit, type RequestMeta } from '../core/audit';
import { findUsersByEmail, type User } from '../core/db/users';
import { tenantResolver } from '../core/tenants';
import { ensurePlatformTenant } from './bootstrap';
import { isAdmin, isPlatformAdmin } from './roles';

export async function signInToConsole(email: string, password: string, meta: RequestMeta): Promise<User> {
  const candidates = (await findUsersByEmail(email)).filter((u) => isAdmin(u) && u.status === 'active');
  // Platform admin first: an address that is admin in several places signs in with its widest role.
  candidates.sort((a, b) => Number(isPlatformAdmin(b)) - Number(isPlatformAdmin(a)));
  const account = candidates[0];
  // No admin account: still a throttled, hashed attempt (against the platform tenant), so timing and answer match.
  const tenant =
    (account && (await tenantResolver().byId(`${account.clientId}#${account.siteId}`))) ??
    (await ensurePlatformTenant());
  const user = await verifyCredentials(tenant, email, password, meta);
  if (!isAdmin(user)) throw invalidCredentials();
  await audit(meta, {
    tenantId: `${user.clientId}#${user.siteId}`,
    event: 'admin_login_success',
    outcome: 'success',
    userId: user.userId,
  });
  return user;
}
