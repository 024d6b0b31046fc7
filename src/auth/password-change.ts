// POST /auth/password/change: a signed-in user proves the current password (S5), every session ends, a new one starts.
import type { AuthContext } from '../app-env';
import { audit, type RequestMeta } from '../core/audit';
import { blacklistToken } from '../core/db/blacklist';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../core/errors';
import { logger } from '../core/log';
import { siteSettings } from '../core/tenant-settings';
import { verifyCredentials } from './login';
import { passwordProblem } from './password-policy';
import { noticePasswordChanged, replacePassword } from './password-reset';
import { type IssuedTokens, startSession } from './session-tokens';

export async function changePassword(
  auth: AuthContext,
  currentPassword: string,
  newPassword: string,
  meta: RequestMeta,
): Promise<IssuedTokens> {
  const { tenant } = auth;
  const account = auth.user;
  // Same budget and lockout as login: the current password cannot be guessed here either.
  const user = await verifyCredentials(tenant, account.email, currentPassword, meta).catch(async (error) => {
    await audit(meta, {
      tenantId: auth.claims.aud,
      event: 'authn_password_change_fail',
      outcome: 'failure',
      userId: auth.userId,
    });
    // A 401 here would read as "signed out"; the session is fine, the password was wrong.
    if (error instanceof UnauthorizedError) {
      throw new ForbiddenError('Current password is incorrect', 'invalid_current_password');
    }
    throw error;
  });
  const problem =
    newPassword === currentPassword
      ? 'must differ from the current password'
      : await passwordProblem(newPassword, {
          minLength: siteSettings(tenant).password_min_length,
          email: user.email,
          siteName: tenant.name,
        });
  if (problem) throw new ValidationError([{ field: 'new_password', message: problem }]);

  const changedAt = await replacePassword(user, newPassword);
  // S39: the secret-message key follows the password (re-wrapped under the new one). The password has changed
  // whatever happens here: should the re-wrap fail, the key stays locked until the recovery key unlocks it.
  // Loaded here, not with the sign-in routes: most requests never touch a secret-message key.
  const { rewrapSecretKey } = await import('../core/secret-key-rewrap');
  await rewrapSecretKey(user.userId, currentPassword, newPassword, changedAt, meta).catch((error: Error) =>
    logger.error('secret-message key not re-wrapped; it stays locked until recovered', { error }),
  );
  await blacklistToken(auth.claims.jti, auth.claims.exp);
  const issued = await startSession(user, tenant, meta);
  await noticePasswordChanged(tenant, user);
  await audit(meta, {
    tenantId: auth.claims.aud,
    event: 'authn_password_change',
    outcome: 'success',
    userId: user.userId,
  });
  return issued;
}
