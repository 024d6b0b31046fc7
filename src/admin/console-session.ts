// Admin console sessions (S17): an opaque 256-bit __Host- cookie; only its SHA-256 is stored, with idle and
// absolute expiry enforced here, a new value at every sign-in, and deletion at sign-out.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { randomToken, sha256Hex } from '../core/crypto';
import { rememberConsoleAddress } from '../core/db/admin-profile';
import {
  createSession,
  getSession,
  isSessionLive,
  revokeSession,
  type Session,
  touchSession,
} from '../core/db/sessions';
import { getUser, holdsSession, recordSignIn, type User } from '../core/db/users';
import { isAdmin } from '../core/roles';
import { CONSOLE_SESSIONS_PER_ADMIN } from '../core/session-caps';
import { consoleSessionLimits } from './session-levels';

export const CONSOLE_COOKIE = '__Host-lambdalith_admin';
// Writing last-active on every page view is waste; a minute's resolution is plenty for a 15-minute idle limit.
const TOUCH_EVERY_SECONDS = 60;

const cookieOptions = { httpOnly: true, secure: true, sameSite: 'Strict', path: '/' } as const;

/** A new session and cookie value; a session the browser already had is revoked (fresh value at sign-in, S17). */
export async function startConsoleSession(c: Context, user: User, meta: RequestMeta): Promise<void> {
  const previous = getCookie(c, CONSOLE_COOKIE);
  if (previous) await revokeSession(sha256Hex(previous), 'console_relogin');
  const value = randomToken();
  const sessionId = sha256Hex(value);
  const now = clock.seconds();
  // The security level fixes how long it may idle and live (seed 002).
  const limits = consoleSessionLimits(user);
  await createSession({
    sessionId,
    kind: 'admin',
    userId: user.userId,
    tenantId: user.tenantId,
    status: 'active',
    createdAt: new Date(clock.now()).toISOString(),
    lastActiveAt: now,
    idleTimeoutSeconds: limits.idleSeconds,
    absoluteExpiresAt: now + limits.absoluteSeconds,
    refreshHash: '',
    spentRefreshHashes: [],
    ip: meta.ip,
    userAgent: meta.userAgent,
  });
  await recordSignIn(user, 'admin', sessionId, CONSOLE_SESSIONS_PER_ADMIN);
  // An admin signing in from an address they have not used lately is a security event (issue 17 §1).
  const address = await rememberConsoleAddress(user.userId, meta.ip);
  if (address.isNew && !address.first) {
    await audit(meta, {
      tenantId: user.tenantId,
      event: 'admin_login_new_ip',
      outcome: 'success',
      userId: user.userId,
    });
  }
  setCookie(c, CONSOLE_COOKIE, value, { ...cookieOptions, maxAge: limits.absoluteSeconds });
}

/** The signed-in admin and their session, or undefined (no cookie, expired, ended, or no longer an admin). */
export async function currentConsoleAdmin(c: Context): Promise<{ user: User; session: Session } | undefined> {
  const value = getCookie(c, CONSOLE_COOKIE);
  if (!value || !/^[\w-]{43}$/.test(value)) return undefined;
  const session = await getSession(sha256Hex(value));
  const now = clock.seconds();
  if (session?.kind !== 'admin' || !isSessionLive(session, now)) return undefined;
  const user = await getUser(session.userId);
  if (
    user?.status !== 'active' ||
    !isAdmin(user) ||
    !holdsSession(user, 'admin', session.sessionId, CONSOLE_SESSIONS_PER_ADMIN)
  ) {
    return undefined;
  }
  if (now - session.lastActiveAt >= TOUCH_EVERY_SECONDS) await touchSession(session.sessionId, now);
  return { user, session };
}

export async function endConsoleSession(c: Context): Promise<void> {
  const value = getCookie(c, CONSOLE_COOKIE);
  if (value) await revokeSession(sha256Hex(value), 'console_logout');
  deleteCookie(c, CONSOLE_COOKIE, cookieOptions);
}
