// POST /auth/token/refresh: re-issue from a live access token (seed), or rotate a refresh token (S13).
import type { AuthContext } from '../app-env';
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { randomToken, sha256Hex } from '../core/crypto';
import {
  getSession,
  isSessionLive,
  revokeSession,
  rotateRefreshToken,
  type Session,
  touchSession,
} from '../core/db/sessions';
import type { Tenant } from '../core/db/tenants';
import { getUser, holdsSession } from '../core/db/users';
import { UnauthorizedError } from '../core/errors';
import { assertSessionNotRevoked, assertSignInOpen } from '../core/lockdown';
import { sessionCap } from '../core/session-caps';
import { tenantResolver } from '../core/tenants';
import { type IssuedTokens, parseRefreshToken, refreshTokenOf, signAccessToken } from './session-tokens';

const invalidRefresh = () =>
  new UnauthorizedError('Invalid or expired refresh token', 'invalid_refresh_token');

/** The seed's flow: a still-valid access token buys a fresh one for the same live session. */
export async function refreshFromAccessToken(auth: AuthContext): Promise<IssuedTokens> {
  const { user } = auth;
  await assertSignInOpen(auth.tenant);
  await touchSession(auth.session.sessionId, clock.seconds());
  const { token, expiresIn } = await signAccessToken(user, auth.tenant, auth.session.sessionId);
  return { token, expiresIn, session: auth.session };
}

/**
 * Rotation: the presented secret must be the session's current one; a previously spent one means the token
 * was copied, so the whole session ends (S13). The swap is conditional, so one of two racing uses wins and
 * the loser counts as a replay. Rotation never extends the absolute lifetime.
 */
export async function rotateRefresh(
  presented: string,
  meta: RequestMeta,
  /** Checks that must pass before the token is spent (the cookie Origin check), given the session's tenant. */
  { beforeRotating }: { beforeRotating?: (tenant: Tenant) => void | Promise<void> } = {},
): Promise<{ issued: IssuedTokens; tenant: Tenant; session: Session }> {
  const parsed = parseRefreshToken(presented);
  if (!parsed) throw invalidRefresh();
  const session = await getSession(parsed.sessionId);
  if (!session) throw invalidRefresh();

  if (session.spentRefreshHashes.includes(parsed.secretHash)) {
    await endStolenSession(session, meta);
    throw invalidRefresh();
  }
  if (parsed.secretHash !== session.refreshHash || !isSessionLive(session, clock.seconds()))
    throw invalidRefresh();

  const [tenant, user] = await Promise.all([
    tenantResolver().byId(session.tenantId),
    getUser(session.userId),
  ]);
  if (
    !tenant ||
    user?.status !== 'active' ||
    !holdsSession(user, 'user', session.sessionId, sessionCap('user', tenant))
  ) {
    throw invalidRefresh();
  }
  // A lockdown refuses before the token is spent: the session stays usable once it is lifted.
  await assertSignInOpen(tenant);
  await assertSessionNotRevoked(tenant.id, session.createdAt).catch(() => {
    throw invalidRefresh();
  });
  await beforeRotating?.(tenant);

  const secret = randomToken();
  if (!(await rotateRefreshToken(session, sha256Hex(secret), clock.seconds()))) {
    await endStolenSession(session, meta);
    throw invalidRefresh();
  }
  const { token, expiresIn } = await signAccessToken(user, tenant, session.sessionId);
  const rotated = { ...session, lastActiveAt: clock.seconds() };
  return {
    issued: { token, refreshToken: refreshTokenOf(session.sessionId, secret), expiresIn, session: rotated },
    tenant,
    session: rotated,
  };
}

async function endStolenSession(session: Session, meta: RequestMeta): Promise<void> {
  await revokeSession(session.sessionId, 'refresh_reuse');
  await audit(meta, {
    tenantId: session.tenantId,
    event: 'authn_token_reuse',
    outcome: 'failure',
    userId: session.userId,
    detail: { session_id: session.sessionId, action: 'session_revoked' },
  });
}
