// What an authenticated request must know, read in one BatchGetItem round trip: the session, whether the access
// token was revoked (S15), and the user (status, and whether they still list the session, S16).
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';
import { type Session, sessionFromItem } from './sessions';
import { type User, userFromItem } from './users';

export type AccessState = { session?: Session; revoked: boolean; user?: User };

/** Strongly consistent, so a logout or "end every session" is seen by the very next request. Errors propagate. */
export async function readAccessState(sessionId: string, jti: string, userId: string): Promise<AccessState> {
  const { sessions, blacklist, users } = tables();
  let request: Record<string, { Keys: Record<string, string>[]; ConsistentRead: boolean }> = {
    [sessions]: { Keys: [{ session_id: sessionId }], ConsistentRead: true },
    [blacklist]: { Keys: [{ token_jti: jti }], ConsistentRead: true },
    [users]: { Keys: [{ user_id: userId }], ConsistentRead: true },
  };
  const found: Record<string, Record<string, unknown>[]> = {};
  // BatchGet may leave keys unprocessed under throttling; they are asked for again, briefly.
  for (let attempt = 0; Object.keys(request).length > 0; attempt++) {
    if (attempt === 3) throw new Error('access check: keys left unprocessed after 3 attempts');
    if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
    const out = await documentClient.send(new BatchGetCommand({ RequestItems: request }));
    for (const [table, items] of Object.entries(out.Responses ?? {})) {
      found[table] = [...(found[table] ?? []), ...(items as Record<string, unknown>[])];
    }
    request = (out.UnprocessedKeys ?? {}) as typeof request;
  }
  const session = found[sessions]?.[0];
  const user = found[users]?.[0];
  return {
    session: session && sessionFromItem(session),
    revoked: (found[blacklist]?.length ?? 0) > 0,
    user: user && userFromItem(user),
  };
}
