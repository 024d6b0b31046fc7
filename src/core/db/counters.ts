// LoginAttempts table as atomic counters for rate limits and lockout (S7, S8, S21, S25). One item per key; a
// window starts at its first take. Every take is one conditional UpdateItem (two when it must restart an expired
// window), so parallel callers never race or retry on a hot key, and a refused take spends nothing.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';
import { isConditionFailed } from './conditions';

/** `max` units per window of `windowSeconds`, counted from the window's first take. */
export type Window = { max: number; windowSeconds: number };
/** What a take spent, so it can be given back (a refused sibling take, a right answer). */
export type Taken = { key: string; units: number; attribute: 'count' | 'streak' };
export type Decision = { allowed: true; taken: Taken; used: number } | { allowed: false; retryAfter: number };

type Item = { count?: number; streak?: number; window_ends?: number; not_before?: number; ttl?: number };

const table = () => tables().loginAttempts;

/**
 * One conditional update; on failure the item as it was (ReturnValuesOnConditionCheckFailure), which says why
 * without another read. Other errors propagate: callers deny the request (fail closed, S34).
 */
async function update(
  key: string,
  expression: string,
  condition: string,
  values: Record<string, unknown>,
): Promise<{ ok: true; item: Item } | { ok: false; old: Item | undefined }> {
  try {
    const out = await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { identifier: key },
        UpdateExpression: expression,
        ConditionExpression: condition,
        // DynamoDB refuses names an expression does not use.
        ExpressionAttributeNames: Object.fromEntries(
          Object.entries({ '#count': 'count', '#ttl': 'ttl' }).filter(([name]) =>
            `${expression} ${condition}`.includes(name),
          ),
        ),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { ok: true, item: (out.Attributes ?? {}) as Item };
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    // The document client does not translate the item an exception carries.
    const old = (error as { Item?: Record<string, AttributeValue> }).Item;
    return { ok: false, old: old && (unmarshall(old) as Item) };
  }
}

/** Takes `units` from `key`'s window, or refuses (spending nothing) with the seconds until the window ends. */
export async function takeUnits(key: string, limit: Window, now: number, units = 1): Promise<Decision> {
  const ends = now + limit.windowSeconds;
  if (units > limit.max) return { allowed: false, retryAfter: limit.windowSeconds };
  // A window ends at most twice under one caller's feet (it expires, another caller restarts it).
  for (let round = 0; round < 3; round++) {
    const added = await update(
      key,
      'ADD #count :units SET window_ends = if_not_exists(window_ends, :ends), #ttl = if_not_exists(#ttl, :ends)',
      'attribute_not_exists(#count) OR (window_ends > :now AND #count <= :room)',
      { ':units': units, ':ends': ends, ':now': now, ':room': limit.max - units },
    );
    if (added.ok)
      return { allowed: true, taken: { key, units, attribute: 'count' }, used: Number(added.item.count) };
    const windowEnds = Number(added.old?.window_ends ?? 0);
    if (windowEnds > now) return { allowed: false, retryAfter: windowEnds - now };
    // The window is over (TTL deletes late): start the next one, unless another caller just did.
    const restarted = await update(
      key,
      'SET #count = :units, window_ends = :ends, #ttl = :ends',
      'window_ends <= :now',
      { ':units': units, ':ends': ends, ':now': now },
    );
    if (restarted.ok) return { allowed: true, taken: { key, units, attribute: 'count' }, used: units };
  }
  return { allowed: false, retryAfter: 1 };
}

export type StreakLimit = { cap: number; seconds: number };

/**
 * Lockout's second counter: attempts without a success (the hard cap; it lasts `seconds` after the last one),
 * and the progressive delay set after a failure (`not_before`). Refused while either holds.
 */
export async function takeStreak(key: string, limit: StreakLimit, now: number): Promise<Decision> {
  const ttl = now + limit.seconds;
  for (let round = 0; round < 3; round++) {
    const added = await update(
      key,
      'ADD streak :one SET #ttl = :ttl',
      'attribute_not_exists(streak) OR (#ttl > :now AND streak < :cap AND (attribute_not_exists(not_before) OR not_before <= :now))',
      { ':one': 1, ':ttl': ttl, ':now': now, ':cap': limit.cap },
    );
    if (added.ok)
      return {
        allowed: true,
        taken: { key, units: 1, attribute: 'streak' },
        used: Number(added.item.streak),
      };
    const old = added.old ?? {};
    if (Number(old.ttl ?? 0) > now) {
      const capped = Number(old.streak ?? 0) >= limit.cap;
      return { allowed: false, retryAfter: capped ? Number(old.ttl) - now : Number(old.not_before) - now };
    }
    const restarted = await update(key, 'SET streak = :one, #ttl = :ttl REMOVE not_before', '#ttl <= :now', {
      ':one': 1,
      ':ttl': ttl,
      ':now': now,
    });
    if (restarted.ok) return { allowed: true, taken: { key, units: 1, attribute: 'streak' }, used: 1 };
  }
  return { allowed: false, retryAfter: 1 };
}

/** After a failure: the next attempt on this streak must wait until `until` (progressive delay, S7). */
export async function delayStreak(taken: Taken, until: number): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { identifier: taken.key },
        UpdateExpression: 'SET not_before = :until',
        ConditionExpression: 'attribute_exists(identifier)',
        ExpressionAttributeValues: { ':until': until },
      }),
    );
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
  }
}

/** Gives back what a take spent: a sibling take was refused, or the answer was right. */
export async function giveBack(taken: Taken): Promise<void> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { identifier: taken.key },
        UpdateExpression: 'ADD #units :minus',
        ConditionExpression: 'attribute_exists(identifier)',
        ExpressionAttributeNames: { '#units': taken.attribute },
        ExpressionAttributeValues: { ':minus': -taken.units },
      }),
    );
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
  }
}

/** Forgets a counter (a success resets lockout, S7). */
export async function forget(key: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: table(), Key: { identifier: key } }));
}

/**
 * Several takes for one request, all or nothing: they run in parallel, and if any is refused the others are
 * given back, so a refused request spends nothing from any budget.
 */
export async function takeAll(
  takes: (() => Promise<Decision>)[],
): Promise<{ allowed: true; taken: Taken[]; used: number[] } | { allowed: false; retryAfter: number }> {
  const decisions = await Promise.allSettled(takes.map((take) => take()));
  const granted = decisions.flatMap((d) => (d.status === 'fulfilled' && d.value.allowed ? [d.value] : []));
  const failed = decisions.find((d) => d.status === 'rejected');
  const refused = decisions.flatMap((d) => (d.status === 'fulfilled' && !d.value.allowed ? [d.value] : []));
  if (failed || refused.length > 0) {
    await Promise.all(granted.map((g) => giveBack(g.taken))).catch(() => undefined);
    if (failed) throw (failed as PromiseRejectedResult).reason;
    return { allowed: false, retryAfter: Math.max(...refused.map((r) => r.retryAfter)) };
  }
  return { allowed: true, taken: granted.map((g) => g.taken), used: granted.map((g) => g.used) };
}

/** A steady rate with a burst: `perMinute` on average, up to `burst` at once (GCRA, the leaky bucket as a meter). */
export type Rate = { perMinute: number; burst: number };
export type CellDecision =
  | { allowed: true; remaining: number; resetMs: number }
  | { allowed: false; remaining: 0; resetMs: number; retryAfterMs: number };

// Containers' clocks agree to milliseconds; a meter further ahead than this was set by a clock that was not ours.
const CLOCK_SKEW_MS = 2_000;
// The theoretical arrival time each key last reached, as this container saw it: picks which of the two updates
// to try first, so a busy key and an idle one both cost one conditional UpdateItem in the usual case.
const lastArrival = new Map<string, number>();
const remember = (key: string, tat: number) => {
  if (lastArrival.size >= 5_000) lastArrival.delete(lastArrival.keys().next().value as string);
  lastArrival.delete(key);
  lastArrival.set(key, tat);
};

/**
 * Takes one request from `key`'s meter. The item holds one number, the theoretical arrival time (epoch ms): a request
 * fits when it is at most `(burst - 1)` intervals ahead of now, and moves it one interval on. Either a busy meter
 * moves on (`tat = tat + interval`, if tat is in (now, now + tolerance]) or an idle one restarts from now (if tat is
 * at or before now): each a single conditional update that parallel callers serialise on, never overcounting; a
 * refusal writes nothing and says when the next request would fit.
 */
export async function takeCell(key: string, rate: Rate, nowMs: number): Promise<CellDecision> {
  const interval = 60_000 / rate.perMinute;
  const tolerance = interval * (rate.burst - 1);
  const decision = (tat: number): CellDecision => ({
    allowed: true,
    // Further requests that would fit right now (a hair of slack for intervals that are not whole milliseconds).
    remaining: Math.max(0, Math.floor((nowMs + tolerance - tat) / interval + 1e-9) + 1),
    resetMs: Math.max(0, tat - nowMs),
  });
  const ttl = (tat: number) => Math.ceil(tat / 1000) + 60;
  const busy = () =>
    update(key, 'SET tat = tat + :interval, #ttl = :ttl', 'tat > :now AND tat <= :limit', {
      ':interval': interval,
      ':ttl': ttl(nowMs + tolerance + interval),
      ':now': nowMs,
      ':limit': nowMs + tolerance,
    });
  const idle = () =>
    update(key, 'SET tat = :next, #ttl = :ttl', 'attribute_not_exists(tat) OR tat <= :now', {
      ':next': nowMs + interval,
      ':ttl': ttl(nowMs + interval),
      ':now': nowMs,
    });
  let tryBusyFirst = (lastArrival.get(key) ?? 0) > nowMs;
  for (let round = 0; round < 4; round++) {
    const result = await (tryBusyFirst ? busy() : idle());
    if (result.ok) {
      const tat = Number((result.item as { tat?: number }).tat);
      remember(key, tat);
      return decision(tat);
    }
    const old = Number((result.old as { tat?: number } | undefined)?.tat ?? 0);
    remember(key, old);
    // Further ahead than any take can put it: written by a clock far ahead of ours. Restart from our now.
    if (old > nowMs + tolerance + interval + CLOCK_SKEW_MS) {
      const reset = await update(key, 'SET tat = :next, #ttl = :ttl', 'tat = :old', {
        ':next': nowMs + interval,
        ':ttl': ttl(nowMs + interval),
        ':old': old,
      });
      if (reset.ok) {
        remember(key, nowMs + interval);
        return decision(nowMs + interval);
      }
      continue;
    }
    if (old > nowMs + tolerance) {
      return { allowed: false, remaining: 0, resetMs: old - nowMs, retryAfterMs: old - tolerance - nowMs };
    }
    tryBusyFirst = old > nowMs;
  }
  return { allowed: false, remaining: 0, resetMs: interval, retryAfterMs: interval };
}
