// A user's sessions that still count: active, not expired, and among the newest `cap` of their kind (User.liveSessions).
import { clock } from './clock';
import { isSessionLive, listUserSessions, type Session, type SessionKind } from './db/sessions';
import { holdsSession, type User } from './db/users';

export async function liveSessionsOf(
  user: User,
  cap: (kind: SessionKind) => number,
  kind?: SessionKind,
): Promise<Session[]> {
  const now = clock.seconds();
  return (await listUserSessions(user.userId)).filter(
    (s) =>
      (kind === undefined || s.kind === kind) &&
      isSessionLive(s, now) &&
      holdsSession(user, s.kind, s.sessionId, cap(s.kind)),
  );
}
