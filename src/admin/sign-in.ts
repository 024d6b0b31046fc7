// Console sign-in by email and password: the admin account is found by email across sites, and checked by the
// same verifyCredentials as the API, so its lockout and throttling apply here too.
import { invalidCredentials, verifyCredentials } from '../auth/login';
import { audit, type RequestMeta } from '../core/audit';
import { findUsersByEmail, type User } from '../core/db/users';
import { UnauthorizedError } from '../core/errors';
import { tenantResolver } from '../core/tenants';
import { acceptTotp } from '../mfa/challenge';
import { ensurePlatformTenant } from './bootstrap';
import { isAdmin, isPlatformAdmin } from './roles';

/** The console's second step: an account with TOTP must give a fresh code, accepted once per step (S23). */
async function assertSecondFactor(user: User, code: string, meta: RequestMeta): Promise<void> {
  if (!user.mfa.totpSecret) return;
  if (!(await acceptTotp(user, code.trim()))) {
    await audit(meta, {
      tenantId: `${user.clientId}#${user.siteId}`,
      event: 'authn_mfa_fail',
      outcome: 'failure',
      userId: user.userId,
      detail: { via: 'console' },
    });
    throw new UnauthorizedError(
      code ? 'Wrong or already used authenticator code' : 'Enter the code from your authenticator app',
      'mfa_required',
    );
  }
}

export async function signInToConsole(
  email: string,
  password: string,
  meta: RequestMeta,
  code = '',
): Promise<User> {
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
  await assertSecondFactor(user, code, meta);
  await audit(meta, {
    tenantId: `${user.clientId}#${user.siteId}`,
    event: 'admin_login_success',
    outcome: 'success',
    userId: user.userId,
  });
  return user;
}
