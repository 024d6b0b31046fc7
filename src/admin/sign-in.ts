// Console sign-in by email and password: the admin account is found by email across sites, and checked by the
// same verifyCredentials as the API, so its lockout and throttling apply here too.
import {
  acceptTotp,
  assertionResponse,
  invalidCredentials,
  mustUseMfa,
  passkeyCeremonies,
  recoveryCodeUsed,
  secondFactorAccepted,
  secondFactorRefused,
  spendRecoveryCode,
  takeSecondFactorTry,
  verifyCredentials,
} from '../auth';
import { audit, type RequestMeta } from '../core/audit';
import type { Tenant } from '../core/db/tenants';
import { findUsersByEmail, type User } from '../core/db/users';
import { UnauthorizedError } from '../core/errors';
import { isAdmin, isPlatformAdmin } from '../core/roles';
import { tenantResolver } from '../core/tenants';
import { ensurePlatformTenant } from './bootstrap';

/**
 * The console's second step: a fresh authenticator code (once per step, S23) or an unused recovery code, under
 * the same per-user budget of wrong codes as the API's /auth/mfa/verify.
 */
async function assertSecondFactor(user: User, tenant: Tenant, code: string, meta: RequestMeta) {
  const answer = code.trim();
  if (!answer) throw new UnauthorizedError('Enter the code from your authenticator app', 'mfa_required');
  const attempt = await takeSecondFactorTry(user);
  const isTotp = /^\d{6}$/.test(answer);
  const accepted = isTotp ? await acceptTotp(user, answer) : await spendRecoveryCode(user, answer);
  if (accepted) {
    if (!isTotp) await recoveryCodeUsed(user, tenant, meta);
    await secondFactorAccepted(attempt);
    return;
  }
  await secondFactorRefused(user, attempt, meta, { via: 'console' });
  throw new UnauthorizedError('Wrong or already used authenticator code', 'mfa_required');
}

/**
 * A platform admin's passkey instead of a code: the assertion the login page's button produced, for this admin,
 * under the same budget of wrong answers.
 */
async function assertConsolePasskey(user: User, tenant: Tenant, passkey: string, meta: RequestMeta) {
  const attempt = await takeSecondFactorTry(user);
  const parsed = (() => {
    try {
      return assertionResponse.safeParse(JSON.parse(passkey));
    } catch {
      return undefined;
    }
  })();
  // The WebAuthn library loads only when an admin answers with a passkey.
  const { verifyAssertion } = await passkeyCeremonies();
  const accepted =
    parsed?.success &&
    (await verifyAssertion(tenant, parsed.data as never, 'console', user.userId).then(
      () => true,
      (error) => {
        if (error instanceof UnauthorizedError) return false;
        throw error;
      },
    ));
  if (accepted) return secondFactorAccepted(attempt);
  await secondFactorRefused(user, attempt, meta, { via: 'console', method: 'passkey' });
  throw new UnauthorizedError('That passkey was not accepted', 'mfa_required');
}

/** Platform admins may use a passkey instead of an authenticator app. */
const hasConsolePasskey = (user: User) => isPlatformAdmin(user) && user.passkeyCount > 0;

/** Who signed in, and whether they must first set up an authenticator app (no console without one). */
export type ConsoleSignIn = { user: User; tenant: Tenant; mustEnroll: boolean };

export async function signInToConsole(
  email: string,
  password: string,
  meta: RequestMeta,
  code = '',
  passkey = '',
): Promise<ConsoleSignIn> {
  const candidates = (await findUsersByEmail(email)).filter((u) => isAdmin(u) && u.status === 'active');
  // Platform admin first: an address that is admin in several places signs in with its widest role.
  candidates.sort((a, b) => Number(isPlatformAdmin(b)) - Number(isPlatformAdmin(a)));
  const account = candidates[0];
  // No admin account: still a throttled, hashed attempt (against the platform tenant), so timing and answer match.
  const tenant =
    (account && (await tenantResolver().byId(account.tenantId))) ?? (await ensurePlatformTenant());
  const user = await verifyCredentials(tenant, email, password, meta);
  if (!isAdmin(user)) throw invalidCredentials();
  // Seed 002: platform admins always, site admins where their site's policy says so, use a second factor.
  const viaPasskey = hasConsolePasskey(user);
  if (!user.mfa.totpSecret && !viaPasskey && (isPlatformAdmin(user) || mustUseMfa(tenant, user))) {
    return { user, tenant, mustEnroll: true };
  }
  if (viaPasskey && (passkey || !user.mfa.totpSecret)) {
    if (!passkey) throw new UnauthorizedError('Use your passkey to finish signing in', 'mfa_required');
    await assertConsolePasskey(user, tenant, passkey, meta);
  } else if (user.mfa.totpSecret) {
    await assertSecondFactor(user, tenant, code, meta);
  }
  await consoleSignedIn(user, meta);
  return { user, tenant, mustEnroll: false };
}

export const consoleSignedIn = (user: User, meta: RequestMeta) =>
  audit(meta, {
    tenantId: user.tenantId,
    event: 'admin_login_success',
    outcome: 'success',
    userId: user.userId,
  });
