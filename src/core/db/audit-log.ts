// AuditLog table: security events per tenant, ordered by time (S42). Written by features, read by the admin console.
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { getConfig } from '../config';
import { randomToken } from '../crypto';
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

const table = () => getConfig().tables.audit;
// Audit entries outlive everything else; they expire after two years.
const RETAIN_SECONDS = 2 * 365 * 86_400;

export async function putAuditEvent(e: AuditEvent): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: table(),
      Item: {
        tenant_id: e.tenantId,
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
        ttl: Math.floor(Date.parse(e.time) / 1000) + RETAIN_SECONDS,
      },
    }),
  );
}

/** A tenant's events, newest first. */
export async function listAuditEvents(tenantId: string, limit = 100): Promise<AuditEvent[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'tenant_id = :t',
      ExpressionAttributeValues: { ':t': tenantId },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return Items.map((i) => ({
    tenantId: i.tenant_id,
    event: i.event,
    outcome: i.outcome,
    time: i.time,
    userId: i.user_id,
    ip: i.ip,
    userAgent: i.user_agent,
    requestId: i.request_id,
    detail: i.detail,
  }));
}
