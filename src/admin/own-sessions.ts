// An admin's own console sessions (issue 17 §5): listed on the account page and by GET /admin/api/security/sessions,
// ended from either; at most CONSOLE_SESSIONS_PER_ADMIN live at once (a new sign-in ends the oldest).
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { audit } from '../core/audit';
import { revokeSession } from '../core/db/sessions';
import { NotFoundError } from '../core/errors';
import { liveSessionsOf } from '../core/live-sessions';
import { CONSOLE_SESSIONS_PER_ADMIN } from '../core/session-caps';
import { requestMeta } from '../middleware/request-meta';

export async function consoleSessionsOf(c: Context<AppEnv>) {
  const sessions = await liveSessionsOf(c.var.admin, () => CONSOLE_SESSIONS_PER_ADMIN, 'admin');
  return sessions.map((s) => ({
    id: s.sessionId,
    created_at: s.createdAt,
    last_active_at: new Date(s.lastActiveAt * 1000).toISOString(),
    ip: s.ip,
    user_agent: s.userAgent,
    current: s.sessionId === c.get('adminSessionId'),
  }));
}

/** Ends one of the admin's own sessions (audited); another admin's, or an ended one, is a 404. */
export async function endOwnSession(c: Context<AppEnv>, id: string): Promise<void> {
  const admin = c.var.admin;
  if (!(await consoleSessionsOf(c)).some((s) => s.id === id)) throw new NotFoundError('No such session');
  await revokeSession(id, 'admin_ended');
  await audit(requestMeta(c), {
    tenantId: admin.tenantId,
    event: 'authn_token_revoked',
    outcome: 'success',
    userId: admin.userId,
    detail: { reason: 'admin_ended', session_id: id, via: 'console' },
  });
}
