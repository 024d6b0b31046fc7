// Stats table: the dashboard's figures, kept as events happen. One item per tenant per hour, plus the same hour
// for every tenant at once (scope "*"); each event is an atomic ADD, so parallel writers never lose a count and
// reading a week is one Query of at most 168 items. The audit log is never scanned for them.
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';

/** What is counted. Audit events feed the first group (stats/aggregate.ts); workers count the rest. */
export const COUNTERS = [
  'sign_ins',
  'sign_in_failures',
  'lockouts',
  'mfa_enrolled',
  'mfa_removed',
  'token_reuse',
  'emails_sent',
  'emails_failed',
  'emails_dead_lettered',
  'sms_sent',
  'sms_failed',
  'sms_dead_lettered',
  'secrets_received',
  'secrets_opened',
  'secrets_expired',
  'scrape_runs',
  'scrape_failures',
  'publishes',
  'publish_failures',
] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Partial<Record<Counter, number>>;

/** The scope that sums every tenant. */
export const ALL_TENANTS = '*';
// A year and a month of hours: enough for year-on-year; the dashboard reads at most a week.
const RETAIN_SECONDS = 400 * 86_400;

const table = () => tables().stats;

/** `2026-11-29T20`: the hour an instant falls in (UTC), as items are keyed. */
export const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13);

/**
 * Adds `counts` to the tenant's hour and to every tenant's hour: ADDs in one transaction, so the two never
 * disagree. `token` makes a retry of the same addition within 10 minutes a no-op (DynamoDB's ClientRequestToken).
 */
export async function addCounts(tenantId: string, at: number, counts: Counts, token?: string): Promise<void> {
  const entries = Object.entries(counts).filter(([, n]) => n && Number.isFinite(n)) as [Counter, number][];
  if (entries.length === 0) return;
  const names = Object.fromEntries(entries.map(([name], i) => [`#c${i}`, name]));
  const values = Object.fromEntries(entries.map(([, n], i) => [`:c${i}`, n]));
  const hour = hourOf(at);
  await documentClient.send(
    new TransactWriteCommand({
      ClientRequestToken: token,
      TransactItems: [tenantId, ALL_TENANTS].map((scope) => ({
        Update: {
          TableName: table(),
          Key: { scope, hour },
          UpdateExpression: `ADD ${entries.map((_, i) => `#c${i} :c${i}`).join(', ')} SET #ttl = if_not_exists(#ttl, :ttl)`,
          ExpressionAttributeNames: { ...names, '#ttl': 'ttl' },
          ExpressionAttributeValues: { ...values, ':ttl': Math.floor(at / 1000) + RETAIN_SECONDS },
        },
      })),
    }),
  );
}

export type HourCounts = { hour: string; counts: Counts };

/** A scope's hours from `fromHour` to `toHour` inclusive, oldest first; hours with nothing are absent. */
export async function readCounts(scope: string, fromHour: string, toHour: string): Promise<HourCounts[]> {
  const hours: HourCounts[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: '#scope = :scope AND #hour BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#scope': 'scope', '#hour': 'hour' },
        ExpressionAttributeValues: { ':scope': scope, ':from': fromHour, ':to': toHour },
        ExclusiveStartKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const counts: Counts = {};
      for (const name of COUNTERS) if (typeof item[name] === 'number') counts[name] = item[name];
      hours.push({ hour: String(item.hour), counts });
    }
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return hours;
}
