// requireUser: a valid access token (Bearer header or auth_token cookie) whose session is live and jti not revoked.

import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv, AuthContext } from '../app-env';
import { clock } from '../core/clock';
import { readAccessState } from '../core/db/access-check';
import { isSessionLive } from '../core/db/sessions';
import type { Tenant } from '../core/db/tenants';
import { getUser, holdsSession, type User } from '../core/db/users';
import { ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../core/errors';
import { tokens } from '../core/jwt';
import { assertSessionNotRevoked } from '../core/lockdown';
import { sessionCap } from '../core/session-caps';
import { invalidApiKey, tenantResolver } from '../core/tenants';
import { actFor } from './acting-tenant';

export const AUTH_COOKIE = 'auth_token';

const notAuthenticated = () => new UnauthorizedError('Not authenticated', 'not_authenticated');
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The account behind a token or session that is still active, or the one 401. */
export async function activeUser(userId: string): Promise<User> {
  const user = await getUser(userId);
  if (user?.status !== 'active') throw notAuthenticated();
  return user;
}

/** The Bearer token, else the auth cookie; the header wins so API clients are never confused by a stale cookie. */
export function presentedToken(c: Context): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
    return match ? { token: match[1] as string, via: 'bearer' } : { token: '', via: 'bearer' };
  }
  const cookie = getCookie(c, AUTH_COOKIE);
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}

/**
 * A browser carries cookies to us from any page, so state changes made on the strength of a cookie
 * must come from an Origin the tenant allows.
 */
export function assertCookieOrigin(c: Context, tenant: Tenant): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header('origin');
  if (!origin || !tenant.allowedOrigins.includes(origin)) {
    throw new ForbiddenError('Origin not allowed for cookie-authenticated requests', 'origin_not_allowed');
  }
}

/**
 * The site the request's x-api-key names, if it sends one alongside the token that authenticates the request
 * (an unknown key is the one identical 401). Such a companion key opens nothing, so needs no scope.
 */
export async function apiKeyTenantId(c: Context): Promise<string | undefined> {
  const apiKey = c.req.header('x-api-key');
  if (apiKey === undefined) return undefined;
  const { tenant } = await tenantResolver().resolve(apiKey);
  return tenant.id;
}

/**
 * If the request also names a site by API key, it must be the token's site (S28). Another site's live key gets
 * the same 401 as an unknown or revoked one, so a token holder cannot test whether a leaked key works (S30).
 */
export async function assertSameTenantAsKey(c: Context, tenantId: string): Promise<void> {
  const keyTenant = await apiKeyTenantId(c);
  if (keyTenant !== undefined && keyTenant !== tenantId) throw invalidApiKey();
}

/** Verifies the caller's access token and session; sets c.var.auth and c.var.tenant, or throws 401/403/503. */
export async function authenticate(c: Context<AppEnv>): Promise<AuthContext> {
  const presented = presentedToken(c);
  if (!presented?.token) throw notAuthenticated();
  const claims = await tokens().verify(presented.token, { kind: 'access' });
  const sid = claims.sid;
  if (typeof sid !== 'string') throw notAuthenticated();

  let state: Awaited<ReturnType<typeof readAccessState>>;
  let tenant: Tenant | undefined;
  try {
    [state, tenant] = await Promise.all([
      readAccessState(sid, claims.jti, claims.sub),
      tenantResolver().byId(claims.aud),
    ]);
  } catch {
    // S34: if we cannot tell whether the token was revoked, it is not accepted.
    throw new ServiceUnavailableError();
  }
  const { revoked, session, user } = state;
  if (
    revoked ||
    !tenant ||
    !session ||
    !user ||
    user.status !== 'active' ||
    session.kind !== 'user' ||
    session.userId !== claims.sub ||
    !isSessionLive(session, clock.seconds()) ||
    !holdsSession(user, 'user', session.sessionId, sessionCap('user', tenant))
  ) {
    throw notAuthenticated();
  }
  await assertSameTenantAsKey(c, claims.aud);
  // A lockdown that revoked the site's sessions ended this one.
  await assertSessionNotRevoked(tenant.id, session.createdAt);
  actFor(c, tenant);
  if (presented.via === 'cookie') assertCookieOrigin(c, tenant);
  const auth: AuthContext = {
    claims,
    userId: claims.sub,
    user,
    tenant,
    session,
    via: presented.via,
    token: presented.token,
  };
  c.set('auth', auth);
  return auth;
}

export const requireUser = (): MiddlewareHandler<AppEnv> =>
  async function requireUser(c, next) {
    await authenticate(c);
    await next();
  };
