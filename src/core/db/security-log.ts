// The security feed: a copy of every security event of every site, in one partition of the AuditLog table
// (`~security`), newest last, with its severity and category; what the console's Security page, its JSON API and the
// alert rules read. A partition of its own keeps the feed one Query however many sites there are.
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import type { Severity } from '../security-events';
import { type AuditEvent, assertCursor, auditEventFromItem, auditItem } from './audit-log';
import { documentClient } from './client';

const SECURITY_PARTITION = '~security';
// The feed is for recent trouble; the audit log keeps the record for two years.
const RETAIN_SECONDS = 90 * 86_400;

export type SecurityEvent = AuditEvent & { severity: Severity; category: string };

const table = () => tables().audit;

export async function putSecurityEvent(e: SecurityEvent): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: table(),
      Item: {
        ...auditItem(e, SECURITY_PARTITION, RETAIN_SECONDS),
        site: e.tenantId,
        severity: e.severity,
        category: e.category,
      },
    }),
  );
}

export type SecurityQuery = {
  /** ISO times, inclusive. */
  from?: string;
  to?: string;
  severities?: Severity[];
  category?: string;
  site?: string;
  limit?: number;
  /** The `next` of the previous page. */
  after?: string;
};

/** A page of the feed, newest first, within a time range and optionally some severities, a category or a site. */
export async function querySecurityEvents({
  from = '0000',
  to = '9999',
  severities,
  category,
  site,
  limit = 50,
  after,
}: SecurityQuery): Promise<{ events: SecurityEvent[]; next?: string }> {
  assertCursor(after, from, to);
  const filters: string[] = [];
  const values: Record<string, unknown> = { ':t': SECURITY_PARTITION, ':from': from, ':to': `${to}~` };
  if (severities?.length) {
    filters.push(`severity IN (${severities.map((_, i) => `:s${i}`).join(', ')})`);
    severities.forEach((s, i) => {
      values[`:s${i}`] = s;
    });
  }
  if (category) {
    filters.push('category = :category');
    values[':category'] = category;
  }
  if (site) {
    filters.push('site = :site');
    values[':site'] = site;
  }
  const page: { key: string; event: SecurityEvent }[] = [];
  let start: Record<string, unknown> | undefined = after
    ? { tenant_id: SECURITY_PARTITION, event_key: after }
    : undefined;
  // Filters apply after the read: keep reading (a bounded number of pages) until the page is full.
  for (let round = 0; round < 10; round++) {
    const out = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'tenant_id = :t AND event_key BETWEEN :from AND :to',
        FilterExpression: filters.length ? filters.join(' AND ') : undefined,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: Math.max(limit, 100),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      page.push({ key: String(item.event_key), event: fromItem(item) });
      if (page.length === limit) return { events: page.map((p) => p.event), next: page.at(-1)?.key };
    }
    start = out.LastEvaluatedKey;
    if (!start) break;
  }
  return { events: page.map((p) => p.event), next: start?.event_key as string | undefined };
}

function fromItem(item: Record<string, unknown>): SecurityEvent {
  return {
    ...auditEventFromItem(item),
    tenantId: String(item.site),
    severity: item.severity as Severity,
    category: String(item.category),
  };
}
