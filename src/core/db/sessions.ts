// Sessions table: one item per login, holding the current refresh token's digest and the spent ones (S13).
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';
import { conditionally } from './conditions';

export type SessionStatus = 'active' | 'revoked';

/** API sessions (access + refresh tokens) or admin console sessions (a cookie). */
export type SessionKind = 'user' | 'admin';

export type Session = {
  sessionId: string;
  kind: SessionKind;
  userId: string;
  tenantId: string;
  status: SessionStatus;
  createdAt: string;
  /** Epoch seconds: the last login or refresh; idle expiry counts from here. */
  lastActiveAt: number;
  idleTimeoutSeconds: number;
  /** Epoch seconds: rotation never moves this (S13). */
  absoluteExpiresAt: number;
  refreshHash: string;
  /** Digests of refresh tokens already rotated away; presenting one means theft (S13). */
  spentRefreshHashes: string[];
  ip: string;
  userAgent: string;
  revokedReason?: string;
  /** Epoch seconds: the last re-authentication (console step-up) on this session. */
  steppedUpAt?: number;
};

type SessionItem = {
  session_id: string;
  kind?: SessionKind;
  user_id: string;
  tenant_id: string;
  status: SessionStatus;
  created_at: string;
  last_active_at: number;
  idle_timeout_seconds: number;
  absolute_expires_at: number;
  refresh_hash: string;
  spent_refresh_hashes: string[];
  ip: string;
  user_agent: string;
  revoked_reason?: string;
  stepped_up_at?: number;
  ttl: number;
};

const table = () => tables().sessions;
// Enough history to recognise a replayed token long after a few rotations.
const SPENT_HISTORY = 20;
// Keep revoked/expired sessions a while for "where was I signed in" and incident review.
const RETAIN_SECONDS = 7 * 86_400;

/** The session's own clock and status; whether its user still lists it is the users module's holdsSession. */
export function isSessionLive(s: Session, now: number): boolean {
  return s.status === 'active' && now < s.absoluteExpiresAt && now < s.lastActiveAt + s.idleTimeoutSeconds;
}

export async function createSession(s: Session): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: table(),
      Item: toItem(s),
      ConditionExpression: 'attribute_not_exists(session_id)',
    }),
  );
}

export async function getSession(sessionId: string): Promise<Session | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { session_id: sessionId }, ConsistentRead: true }),
  );
  return Item ? fromItem(Item as SessionItem) : undefined;
}

/**
 * Swaps the refresh digest only if it is still `currentHash` and the session is active: of two concurrent
 * refreshes with one token, exactly one wins.
 */
export async function rotateRefreshToken(session: Session, nextHash: string, now: number): Promise<boolean> {
  const spent = [session.refreshHash, ...session.spentRefreshHashes].slice(0, SPENT_HISTORY);
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { session_id: session.sessionId },
        UpdateExpression: 'SET refresh_hash = :next, spent_refresh_hashes = :spent, last_active_at = :now',
        ConditionExpression: 'refresh_hash = :current AND #status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':next': nextHash,
          ':spent': spent,
          ':now': now,
          ':current': session.refreshHash,
          ':active': 'active',
        },
      }),
    ),
  );
}

export async function touchSession(sessionId: string, now: number): Promise<void> {
  await conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { session_id: sessionId },
        UpdateExpression: 'SET last_active_at = :now',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':now': now, ':active': 'active' },
      }),
    ),
  );
}

/** Records a re-authentication on a live session (step-up, seed 002): sensitive actions follow for a while. */
export async function markSteppedUp(sessionId: string, now: number): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { session_id: sessionId },
        UpdateExpression: 'SET stepped_up_at = :now',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':now': now, ':active': 'active' },
      }),
    ),
  );
}

/** Marks a session revoked; true when this call revoked it (false if already revoked or missing). */
export async function revokeSession(sessionId: string, reason: string): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { session_id: sessionId },
        UpdateExpression: 'SET #status = :revoked, revoked_reason = :reason',
        ConditionExpression: '#status = :active',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':revoked': 'revoked', ':reason': reason, ':active': 'active' },
      }),
    ),
  );
}

/** A user's sessions, newest first (live and recently ended). */
export async function listUserSessions(userId: string): Promise<Session[]> {
  const sessions: Session[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        IndexName: 'user-index',
        KeyConditionExpression: 'user_id = :user',
        ExpressionAttributeValues: { ':user': userId },
        ScanIndexForward: false,
        ExclusiveStartKey,
      }),
    );
    sessions.push(...(page.Items ?? []).map((i) => fromItem(i as SessionItem)));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return sessions;
}

function toItem(s: Session): SessionItem {
  return {
    session_id: s.sessionId,
    kind: s.kind,
    user_id: s.userId,
    tenant_id: s.tenantId,
    status: s.status,
    created_at: s.createdAt,
    last_active_at: s.lastActiveAt,
    idle_timeout_seconds: s.idleTimeoutSeconds,
    absolute_expires_at: s.absoluteExpiresAt,
    refresh_hash: s.refreshHash,
    spent_refresh_hashes: s.spentRefreshHashes,
    ip: s.ip,
    user_agent: s.userAgent,
    revoked_reason: s.revokedReason,
    stepped_up_at: s.steppedUpAt,
    ttl: s.absoluteExpiresAt + RETAIN_SECONDS,
  };
}

/** A stored item as a Session (the access check reads sessions in a batch with other tables). */
export function sessionFromItem(i: SessionItem | Record<string, unknown>): Session {
  return fromItem(i as SessionItem);
}

function fromItem(i: SessionItem): Session {
  return {
    sessionId: i.session_id,
    kind: i.kind ?? 'user',
    userId: i.user_id,
    tenantId: i.tenant_id,
    status: i.status,
    createdAt: i.created_at,
    lastActiveAt: i.last_active_at,
    idleTimeoutSeconds: i.idle_timeout_seconds,
    absoluteExpiresAt: i.absolute_expires_at,
    refreshHash: i.refresh_hash,
    spentRefreshHashes: i.spent_refresh_hashes ?? [],
    ip: i.ip,
    userAgent: i.user_agent,
    revokedReason: i.revoked_reason,
    steppedUpAt: i.stepped_up_at,
  };
}
