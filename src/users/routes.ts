// /user: the signed-in user's own data: the seed's /user/me, and their sessions (list, revoke one).
import * as z from 'zod';
import { audit } from '../core/audit';
import { listUserSessions, revokeSession } from '../core/db/sessions';
import { holdsSession } from '../core/db/users';
import { NotFoundError } from '../core/errors';
import { liveSessionsOf } from '../core/live-sessions';
import { sessionCap } from '../core/session-caps';
import { defineRoute } from '../docs';
import { requireUser } from '../middleware/authenticate';
import { featureRouter } from '../middleware/feature';
import { noStore } from '../middleware/no-store';
import { requestMeta } from '../middleware/request-meta';

const user = featureRouter('/user');
user.use(noStore(), requireUser());

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
const signedIn = ['bearer', 'cookie'] as const;

defineRoute(
  user,
  {
    method: 'get',
    path: '/me',
    operationId: 'getCurrentUser',
    tag: 'user',
    summary: 'The signed-in user',
    security: [...signedIn],
    responses: { 200: { description: 'The user', schema: meResponse } },
  },
  (c) => {
    const { user: me, tenant } = c.var.auth;
    return c.json({
      user: {
        user_id: me.userId,
        email: me.email,
        client_id: tenant.clientId,
        site_id: tenant.siteId,
        name: me.name,
        email_verified: me.emailVerified,
      },
    });
  },
);

defineRoute(
  user,
  {
    method: 'get',
    path: '/sessions',
    operationId: 'listSessions',
    tag: 'user',
    summary: "The signed-in user's live sessions, newest first",
    security: [...signedIn],
    responses: { 200: { description: 'Sessions', schema: sessionsResponse } },
  },
  async (c) => {
    const { user: me, session: current, tenant } = c.var.auth;
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    const sessions = (await liveSessionsOf(me, (kind) => sessionCap(kind, tenant), 'user')).map((s) => ({
      session_id: s.sessionId,
      created_at: s.createdAt,
      last_active_at: iso(s.lastActiveAt),
      expires_at: iso(Math.min(s.absoluteExpiresAt, s.lastActiveAt + s.idleTimeoutSeconds)),
      ip: s.ip,
      user_agent: s.userAgent,
      current: s.sessionId === current.sessionId,
    }));
    return c.json({ sessions });
  },
);

defineRoute(
  user,
  {
    method: 'delete',
    path: '/sessions/:session_id',
    operationId: 'revokeSession',
    tag: 'user',
    summary: 'Sign one of your sessions out',
    security: [...signedIn],
    responses: {
      200: { description: 'Revoked', schema: z.object({ message: z.string() }) },
      404: { description: 'No such session of yours' },
    },
  },
  async (c) => {
    const { user: me, claims, tenant } = c.var.auth;
    const sessionId = c.req.param('session_id') ?? '';
    const mine = (await listUserSessions(me.userId)).find(
      (s) =>
        s.sessionId === sessionId &&
        s.status === 'active' &&
        holdsSession(me, s.kind, s.sessionId, sessionCap(s.kind, tenant)),
    );
    // Another user's session id is "not found", not "forbidden": ids are not confirmed to strangers.
    if (!mine) throw new NotFoundError('Session not found', 'session_not_found');
    await revokeSession(sessionId, 'user_revoked');
    await audit(requestMeta(c), {
      tenantId: claims.aud,
      event: 'authn_token_revoked',
      outcome: 'success',
      userId: me.userId,
      detail: { reason: 'user_revoked', session_id: sessionId },
    });
    return c.json({ message: 'Session revoked' });
  },
);

export default user;
