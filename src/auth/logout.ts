// POST /auth/logout: the access token is blacklisted until it expires (S15) and its session ends.
import type { AuthContext } from '../app-env';
import { audit, type RequestMeta } from '../core/audit';
import { blacklistToken } from '../core/db/blacklist';
import { revokeSession } from '../core/db/sessions';

export async function logout(auth: AuthContext, meta: RequestMeta): Promise<void> {
  await Promise.all([
    blacklistToken(auth.claims.jti, auth.claims.exp),
    revokeSession(auth.session.sessionId, 'logout'),
  ]);
  await audit(meta, {
    tenantId: auth.claims.aud,
    event: 'authn_token_revoked',
    outcome: 'success',
    userId: auth.userId,
    detail: { reason: 'logout', session_id: auth.session.sessionId },
  });
}
