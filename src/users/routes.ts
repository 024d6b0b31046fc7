// The signed-in user's own data: the seed's /user/me, and their sessions (list, revoke one).
import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { audit } from '../core/audit';
import { clock } from '../core/clock';
import { isSessionLive, listUserSessions, revokeSession } from '../core/db/sessions';
import { holdsSession } from '../core/db/users';
import { NotFoundError } from '../core/errors';
import { sessionCap } from '../core/session-caps';
import { documentRoute } from '../docs/registry';
import { requireUser } from '../middleware/authenticate';
import { noStore } from '../middleware/no-store';
import { requestMeta } from '../middleware/request-meta';

export const userRoutes = new Hono<AppEnv>();
userRoutes.use('/user/*', noStore(), requireUser());

const meResponse = z.object({
  user: z.object({
    user_id: z.string(),
    email: z.string(),
    client_id: z.string(),
    site_id: z.string(),
    name: z.string(),
    email_verified: z.boolean(),
  }),
});
const sessionsResponse = z.object({
  sessions: z.array(
    z.object({
      session_id: z.string(),
      created_at: z.string(),
      last_active_at: z.string(),
      expires_at: z.string(),
      ip: z.string(),
      user_agent: z.string(),
      current: z.boolean(),
    }),
  ),
});
const unauthenticated = { 401: { description: 'Not authenticated' } };

documentRoute({
  method: 'get',
  path: '/user/me',
  tag: 'user',
  summary: 'The signed-in user',
  security: ['bearer', 'cookie'],
  responses: { 200: { description: 'The user', schema: meResponse }, ...unauthenticated },
});
userRoutes.get('/user/me', async (c) => {
  const { user, tenant } = c.var.auth;
  return c.json({
    user: {
      user_id: user.userId,
      email: user.email,
      client_id: tenant.clientId,
      site_id: tenant.siteId,
      name: user.name,
      email_verified: user.emailVerified,
    },
  });
});

documentRoute({
  method: 'get',
  path: '/user/sessions',
  tag: 'user',
  summary: "The signed-in user's live sessions, newest first",
  security: ['bearer', 'cookie'],
  responses: { 200: { description: 'Sessions', schema: sessionsResponse }, ...unauthenticated },
});
userRoutes.get('/user/sessions', async (c) => {
  const { userId, session: current } = c.var.auth;
  const now = clock.seconds();
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  const sessions = (await listUserSessions(userId))
    .filter(
      (s) =>
        s.kind === 'user' &&
        isSessionLive(s, now) &&
        holdsSession(c.var.auth.user, 'user', s.sessionId, sessionCap('user', c.var.auth.tenant)),
    )
    .map((s) => ({
      session_id: s.sessionId,
      created_at: s.createdAt,
      last_active_at: iso(s.lastActiveAt),
      expires_at: iso(Math.min(s.absoluteExpiresAt, s.lastActiveAt + s.idleTimeoutSeconds)),
      ip: s.ip,
      user_agent: s.userAgent,
      current: s.sessionId === current.sessionId,
    }));
  return c.json({ sessions });
});

documentRoute({
  method: 'delete',
  path: '/user/sessions/{session_id}',
  tag: 'user',
  summary: 'Sign one of your sessions out',
  security: ['bearer', 'cookie'],
  responses: {
    200: { description: 'Revoked', schema: z.object({ message: z.string() }) },
    ...unauthenticated,
    404: { description: 'No such session of yours' },
  },
});
userRoutes.delete('/user/sessions/:session_id', async (c) => {
  const { userId, claims } = c.var.auth;
  const sessionId = c.req.param('session_id');
  const mine = (await listUserSessions(userId)).find(
    (s) =>
      s.sessionId === sessionId &&
      s.status === 'active' &&
      holdsSession(c.var.auth.user, s.kind, s.sessionId, sessionCap(s.kind, c.var.auth.tenant)),
  );
  // Another user's session id is "not found", not "forbidden": ids are not confirmed to strangers.
  if (!mine) throw new NotFoundError('Session not found', 'session_not_found');
  await revokeSession(sessionId, 'user_revoked');
  await audit(requestMeta(c), {
    tenantId: claims.aud,
    event: 'authn_token_revoked',
    outcome: 'success',
    userId,
    detail: { reason: 'user_revoked', session_id: sessionId },
  });
  return c.json({ message: 'Session revoked' });
});
