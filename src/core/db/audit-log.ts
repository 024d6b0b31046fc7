// AuditLog table: security events per tenant, ordered by time (S42). Written by features, read by the admin console.
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { randomToken } from '../crypto';
import { BadRequestError } from '../errors';
import { documentClient } from './client';

export type AuditOutcome = 'success' | 'failure';

export type AuditEvent = {
  tenantId: string;
  /** OWASP logging vocabulary, e.g. authn_login_fail. */
  event: string;
  outcome: AuditOutcome;
  /** ISO time. */
  time: string;
  userId?: string;
  ip: string;
  userAgent: string;
  requestId?: string;
  /** Non-secret context: a reason code, a session id, counts. */
  detail?: Record<string, string | number | boolean>;
};

/** `<ISO time>#<8 random characters>`: how events are keyed, newest last. */
export const EVENT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[\w-]{8}$/;

const table = () => tables().audit;
// Audit entries outlive everything else; they expire after two years.
const RETAIN_SECONDS = 2 * 365 * 86_400;

/** An event as stored under `partition` (a tenant id, or one of the feeds'), kept `retainSeconds`. */
export function auditItem(e: AuditEvent, partition = e.tenantId, retainSeconds = RETAIN_SECONDS) {
  return {
    tenant_id: partition,
    // Sortable by time; the suffix keeps two events in one millisecond apart.
    event_key: `${e.time}#${randomToken(6)}`,
    event: e.event,
    outcome: e.outcome,
    time: e.time,
    user_id: e.userId,
    ip: e.ip,
    user_agent: e.userAgent,
    request_id: e.requestId,
    detail: e.detail,
    ttl: Math.floor(Date.parse(e.time) / 1000) + retainSeconds,
  };
}

export async function putAuditEvent(e: AuditEvent): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: table(), Item: auditItem(e) }));
}

/** A page link must be a key we handed out, inside the range asked for; anything else is a bad link. */
export function assertCursor(after: string | undefined, from: string, to: string): void {
  if (after !== undefined && !(EVENT_KEY.test(after) && after >= from && after <= `${to}~`)) {
    throw new BadRequestError('That page link is not valid; start from the first page', 'invalid_cursor');
  }
}

/** A tenant's events, newest first. */
export async function listAuditEvents(tenantId: string, limit = 100): Promise<AuditEvent[]> {
  return (await queryAuditEvents(tenantId, { limit })).events;
}

export type AuditQuery = {
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  event?: string;
  userId?: string;
  limit?: number;
  /** The `next` of the previous page. */
  after?: string;
};

/** A page of a tenant's events, newest first, within a time range and optionally one event name or user. */
export async function queryAuditEvents(
  tenantId: string,
  { from = '0000', to = '9999', event, userId, limit = 50, after }: AuditQuery,
): Promise<{ events: AuditEvent[]; next?: string }> {
  assertCursor(after, from, to);
  const filters: string[] = [];
  const values: Record<string, unknown> = { ':t': tenantId, ':from': from, ':to': `${to}~` };
  if (event) {
    filters.push('#event = :event');
    values[':event'] = event;
  }
  if (userId) {
    filters.push('user_id = :user');
    values[':user'] = userId;
  }
  const out = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'tenant_id = :t AND event_key BETWEEN :from AND :to',
      FilterExpression: filters.length ? filters.join(' AND ') : undefined,
      ExpressionAttributeNames: event ? { '#event': 'event' } : undefined,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: after ? { tenant_id: tenantId, event_key: after } : undefined,
    }),
  );
  return {
    events: (out.Items ?? []).map(auditEventFromItem),
    next: out.LastEvaluatedKey?.event_key as string | undefined,
  };
}

type AuditItem = {
  tenant_id: string;
  event: string;
  outcome: AuditOutcome;
  time: string;
  user_id?: string;
  ip: string;
  user_agent: string;
  request_id?: string;
  detail?: AuditEvent['detail'];
};

export function auditEventFromItem(item: Record<string, unknown>): AuditEvent {
  const i = item as AuditItem;
  return {
    tenantId: i.tenant_id,
    event: i.event,
    outcome: i.outcome,
    time: i.time,
    userId: i.user_id,
    ip: i.ip,
    userAgent: i.user_agent,
    requestId: i.request_id,
    detail: i.detail,
  };
}

/** How many `event`s a tenant's log holds since `from` (ISO): a count, without reading the events out. */
export async function countAuditEvents(tenantId: string, event: string, from: string): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'tenant_id = :t AND event_key >= :from',
        FilterExpression: '#event = :event',
        ExpressionAttributeNames: { '#event': 'event' },
        ExpressionAttributeValues: { ':t': tenantId, ':from': from, ':event': event },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}
