// Starts sessions and issues their tokens: a short access JWT carrying `sid`, and an opaque rotating refresh token.

import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { randomToken, sha256Hex } from '../core/crypto';
import { createSession, type Session } from '../core/db/sessions';
import type { Tenant } from '../core/db/tenants';
import { recordSignIn, type User } from '../core/db/users';
import { tokenConfig, tokens } from '../core/jwt';
import { assertSignInOpen } from '../core/lockdown';
import { siteSettings } from '../core/tenant-settings';

export type IssuedTokens = { token: string; refreshToken?: string; expiresIn: number; session: Session };

/** `<session id>.<secret>`: the id finds the session, only the secret's SHA-256 is stored (S14). */
export const refreshTokenOf = (sessionId: string, secret: string) => `${sessionId}.${secret}`;

export function parseRefreshToken(value: string): { sessionId: string; secretHash: string } | undefined {
  const match = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(value);
  return match ? { sessionId: match[1] as string, secretHash: sha256Hex(match[2] as string) } : undefined;
}

export async function signAccessToken(
  user: Pick<User, 'userId' | 'email'>,
  tenant: Tenant,
  sessionId: string,
) {
  const ttlSeconds = tokenConfig().accessTokenTtlSeconds;
  const token = await tokens().sign({
    kind: 'access',
    subject: user.userId,
    audience: tenant.id,
    ttlSeconds,
    claims: { sid: sessionId, email: user.email, client_id: tenant.clientId, site_id: tenant.siteId },
  });
  return { token, expiresIn: ttlSeconds };
}

/** A new session for a verified user, with its first access and refresh tokens. */
export async function startSession(user: User, tenant: Tenant, meta: RequestMeta): Promise<IssuedTokens> {
  const { sessions } = siteSettings(tenant);
  const now = clock.seconds();
  const secret = randomToken();
  const session: Session = {
    sessionId: randomToken(16),
    kind: 'user',
    userId: user.userId,
    tenantId: tenant.id,
    status: 'active',
    createdAt: new Date(clock.now()).toISOString(),
    lastActiveAt: now,
    idleTimeoutSeconds: sessions.idle_seconds,
    absoluteExpiresAt: now + sessions.absolute_seconds,
    refreshHash: sha256Hex(secret),
    spentRefreshHashes: [],
    ip: meta.ip,
    userAgent: meta.userAgent,
  };
  // Written together: the session, and its listing on the user with the oldest beyond the site's cap dropped (from
  // now on only listed sessions live, S16). Either alone is harmless: access needs both.
  await Promise.all([
    createSession(session),
    recordSignIn(user, 'user', session.sessionId, sessions.max_live),
  ]);
  const { token, expiresIn } = await signAccessToken(user, tenant, session.sessionId);
  return { token, refreshToken: refreshTokenOf(session.sessionId, secret), expiresIn, session };
}

/** A completed sign-in (password, or password then a second factor): the session and the audit entry. */
export async function signIn(
  user: User,
  tenant: Tenant,
  meta: RequestMeta,
  detail: Record<string, string> = {},
): Promise<IssuedTokens> {
  // The backstop: every way in (password, link, provider, passkey, second step) starts its session here.
  await assertSignInOpen(tenant);
  const issued = await startSession(user, tenant, meta);
  await audit(meta, {
    tenantId: tenant.id,
    event: 'authn_login_success',
    outcome: 'success',
    userId: user.userId,
    detail: { ...detail, session_id: issued.session.sessionId },
  });
  return issued;
}

/** The JSON every token-issuing route answers with (login adds `user`). */
export const tokenBody = (issued: IssuedTokens) => ({
  token: issued.token,
  ...(issued.refreshToken ? { refresh_token: issued.refreshToken } : {}),
  expires_in: issued.expiresIn,
  token_type: 'Bearer' as const,
});
