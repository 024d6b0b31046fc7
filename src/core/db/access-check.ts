// What an authenticated request must know, read in one BatchGetItem round trip: the session, whether the access
// token was revoked (S15), and the user (status, and whether they still list the session, S16).
import { tables } from '../config';
import { batchGetConsistent } from './batch-get';
import { type Session, sessionFromItem } from './sessions';
import { type User, userFromItem } from './users';

export type AccessState = { session?: Session; revoked: boolean; user?: User };

/** Strongly consistent, so a logout or "end every session" is seen by the very next request. Errors propagate. */
export async function readAccessState(sessionId: string, jti: string, userId: string): Promise<AccessState> {
  const { sessions, blacklist, users } = tables();
  const found = await batchGetConsistent({
    [sessions]: [{ session_id: sessionId }],
    [blacklist]: [{ token_jti: jti }],
    [users]: [{ user_id: userId }],
  });
  const session = found[sessions]?.[0];
  const user = found[users]?.[0];
  return {
    session: session && sessionFromItem(session),
    revoked: (found[blacklist]?.length ?? 0) > 0,
    user: user && userFromItem(user),
  };
}
