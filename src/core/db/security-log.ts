// The security feed: a copy of every security event of every site, in one partition of the AuditLog table
// (`~security`), newest last, with its severity and category; what the console's Security page, its JSON API and the
// alert rules read. A partition of its own keeps the feed one Query however many sites there are.
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { randomToken } from '../crypto';
import { BadRequestError } from '../errors';
import type { Severity } from '../security-events';
import type { AuditEvent } from './audit-log';
import { documentClient } from './client';

export const SECURITY_PARTITION = '~security';
// The feed is for recent trouble; the audit log keeps the record for two years.
const RETAIN_SECONDS = 90 * 86_400;
const EVENT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[\w-]{8}$/;

export type SecurityEvent = AuditEvent & { severity: Severity; category: string };

const table = () => tables().audit;

export async function putSecurityEvent(e: SecurityEvent): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: table(),
      Item: {
        tenant_id: SECURITY_PARTITION,
        event_key: `${e.time}#${randomToken(6)}`,
        site: e.tenantId,
        event: e.event,
        outcome: e.outcome,
        severity: e.severity,
        category: e.category,
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
  if (after !== undefined && !(EVENT_KEY.test(after) && after >= from && after <= `${to}~`)) {
    throw new BadRequestError('That page link is not valid; start from the first page', 'invalid_cursor');
  }
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
  const i = item as Record<string, never>;
  return {
    tenantId: i.site,
    event: i.event,
    outcome: i.outcome,
    severity: i.severity,
    category: i.category,
    time: i.time,
    userId: i.user_id,
    ip: i.ip,
    userAgent: i.user_agent,
    requestId: i.request_id,
    detail: i.detail,
  };
}
