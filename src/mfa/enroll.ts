// Enrolling TOTP: setup returns a sealed-at-rest seed and its QR code; activation proves the app has it (S27).
import type { AuthContext } from '../app-env';
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { revokeUserSessions } from '../core/db/sessions';
import {
  activateTotp,
  getUser,
  removeTotp,
  replaceRecoveryCodes,
  setPendingTotp,
  type User,
} from '../core/db/users';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../core/errors';
import { verifyPassword } from '../core/passwords';
import { seal, unseal } from '../core/sealed';
import { productNameOf } from '../core/tenant-settings';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes';
import { matchTotp, newTotpSecret, qrSvg, totpUri } from './totp';

/** S27: changing factors needs a sign-in within 10 minutes, or the current password in the request. */
export const RECENT_SIGN_IN_SECONDS = 600;

/** The signed-in user, if they may change factors now: signed in within 10 minutes, or proving the password (S27). */
async function userAllowedToChangeFactors(
  auth: AuthContext,
  currentPassword: string | undefined,
): Promise<User> {
  const user = await getUser(auth.userId);
  if (user?.status !== 'active') throw new UnauthorizedError('Not authenticated', 'not_authenticated');
  const signedInAt = Date.parse(auth.session.createdAt) / 1000;
  if (clock.seconds() - signedInAt <= RECENT_SIGN_IN_SECONDS) return user;
  if (currentPassword && (await verifyPassword(currentPassword, user.passwordHash))) return user;
  throw new ForbiddenError(
    'Sign in again, or send current_password, to change two-factor settings',
    'reauthentication_required',
  );
}

export async function setupTotp(auth: AuthContext, currentPassword: string | undefined) {
  const user = await userAllowedToChangeFactors(auth, currentPassword);
  const secret = await newTotpSecret();
  await setPendingTotp(user.userId, await seal(secret, user.userId));
  const otpauthUrl = await totpUri(secret, productNameOf(auth.tenant), user.email);
  return { secret, otpauth_url: otpauthUrl, qr_svg: await qrSvg(otpauthUrl) };
}

/** The first code from the app activates the seed; the first factor also brings recovery codes, shown once. */
export async function activateTotpFactor(
  auth: AuthContext,
  code: string,
  currentPassword: string | undefined,
  meta: RequestMeta,
) {
  const user = await userAllowedToChangeFactors(auth, currentPassword);
  const pending = user.mfa.totpPendingSecret;
  const secret = pending && (await unseal(pending, user.userId));
  const step = secret ? await matchTotp(secret, code) : undefined;
  if (!pending || step === undefined)
    throw new ValidationError([{ field: 'code', message: 'does not match; check the app and try again' }]);
  const firstFactor = !user.mfa.totpSecret && user.mfa.recoveryHashes.length === 0;
  const codes = firstFactor ? newRecoveryCodes() : undefined;
  if (!(await activateTotp(user.userId, pending, step, codes?.map(recoveryCodeHash)))) {
    throw new ValidationError([{ field: 'code', message: 'setup changed meanwhile; start again' }]);
  }
  await audit(meta, {
    tenantId: auth.claims.aud,
    event: 'mfa_enrolled',
    outcome: 'success',
    userId: user.userId,
    detail: { factor: 'totp' },
  });
  return codes ? { activated: true, recovery_codes: codes } : { activated: true };
}

/** Turns TOTP off (and with it the recovery codes); other sessions end, as after any factor change (S16). */
export async function removeTotpFactor(
  auth: AuthContext,
  currentPassword: string | undefined,
  meta: RequestMeta,
) {
  const user = await userAllowedToChangeFactors(auth, currentPassword);
  if (!(await removeTotp(user.userId))) throw new NotFoundError('No such factor', 'factor_not_found');
  // S16: a factor change ends every session but the one that made it.
  await revokeUserSessions(auth.userId, 'mfa_changed', { except: auth.session.sessionId });
  await audit(meta, {
    tenantId: auth.claims.aud,
    event: 'mfa_removed',
    outcome: 'success',
    userId: user.userId,
    detail: { factor: 'totp' },
  });
}

/** A fresh set of ten codes; the old set is void (S26). */
export async function regenerateRecoveryCodes(
  auth: AuthContext,
  currentPassword: string | undefined,
  meta: RequestMeta,
) {
  const user = await userAllowedToChangeFactors(auth, currentPassword);
  const codes = newRecoveryCodes();
  if (!(await replaceRecoveryCodes(user.userId, codes.map(recoveryCodeHash)))) {
    throw new ValidationError([{ field: 'factor', message: 'set up an authenticator app first' }]);
  }
  await audit(meta, {
    tenantId: auth.claims.aud,
    event: 'mfa_recovery_codes_regenerated',
    outcome: 'success',
    userId: user.userId,
  });
  return { recovery_codes: codes };
}
