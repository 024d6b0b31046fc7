// LoginAttempts table: atomic attempt budgets for lockout and rate limits (S7, S8, S21). One item per key.
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getConfig } from '../config';
import { documentClient } from './client';
import { isConditionFailed } from './conditions';

export type AttemptLimit = {
  /** Attempts allowed per window. */
  max: number;
  windowSeconds: number;
  /** Attempts allowed in a row across windows before a long lock (lockout's hard cap); omit for plain rate limits. */
  streakCap?: number;
  /** How long the streak (and so the hard lock) lasts. */
  streakSeconds?: number;
};

export type AttemptDecision =
  | { allowed: true; count: number; streak: number }
  | { allowed: false; retryAfter: number };

type AttemptItem = {
  identifier: string;
  count: number;
  streak: number;
  window_ends: number;
  not_before: number;
  ttl: number;
};

const table = () => getConfig().tables.loginAttempts;
const UNLIMITED = 1_000_000_000;

/**
 * Takes one attempt from `identifier`'s budget, or refuses with how long to wait. The write is conditional on
 * the budget read, and retried on a race, so N parallel callers can never take more than the budget (S8).
 * DynamoDB errors propagate: callers deny the request (fail closed, S34).
 */
export async function takeAttempt(
  identifier: string,
  limit: AttemptLimit,
  now: number,
): Promise<AttemptDecision> {
  const streakCap = limit.streakCap ?? UNLIMITED;
  const streakSeconds = limit.streakSeconds ?? limit.windowSeconds;
  for (let race = 0; race < 5; race++) {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: table(), Key: { identifier }, ConsistentRead: true }),
    );
    const item = Item as AttemptItem | undefined;
    const live = item && item.ttl > now ? item : undefined;

    if (live) {
      if (live.streak >= streakCap) return { allowed: false, retryAfter: live.ttl - now };
      if (live.not_before > now) return { allowed: false, retryAfter: live.not_before - now };
      if (live.window_ends > now && live.count >= limit.max)
        return { allowed: false, retryAfter: live.window_ends - now };
    }
    const newWindow = !live || live.window_ends <= now;
    const next: AttemptItem = {
      identifier,
      count: newWindow ? 1 : (live as AttemptItem).count + 1,
      streak: (live?.streak ?? 0) + 1,
      window_ends: newWindow ? now + limit.windowSeconds : (live as AttemptItem).window_ends,
      not_before: live?.not_before ?? 0,
      ttl: Math.max(
        now + streakSeconds,
        newWindow ? now + limit.windowSeconds : (live as AttemptItem).window_ends,
      ),
    };
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: table(),
          Key: { identifier },
          UpdateExpression:
            'SET #count = :count, streak = :streak, window_ends = :ends, not_before = :nb, #ttl = :ttl',
          // Optimistic concurrency on what we read: absent, or exactly the counters we saw.
          ConditionExpression: item
            ? '#count = :seenCount AND streak = :seenStreak AND window_ends = :seenEnds'
            : 'attribute_not_exists(identifier)',
          ExpressionAttributeNames: { '#count': 'count', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':count': next.count,
            ':streak': next.streak,
            ':ends': next.window_ends,
            ':nb': next.not_before,
            ':ttl': next.ttl,
            ...(item
              ? { ':seenCount': item.count, ':seenStreak': item.streak, ':seenEnds': item.window_ends }
              : {}),
          },
        }),
      );
      return { allowed: true, count: next.count, streak: next.streak };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
  // Heavy contention on one key is itself an attack: refuse briefly rather than spin.
  return { allowed: false, retryAfter: 1 };
}

/** After a failure: the next attempt must wait `delaySeconds` (progressive delay, S7). */
export async function delayNextAttempt(identifier: string, until: number): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { identifier },
        UpdateExpression: 'SET not_before = :until',
        ConditionExpression: 'attribute_exists(identifier)',
        ExpressionAttributeValues: { ':until': until },
      }),
    );
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
  }
}

/** A success resets the budget (S7). */
export async function clearAttempts(identifier: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: table(), Key: { identifier } }));
}
