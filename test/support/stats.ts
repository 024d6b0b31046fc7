// Counts this file's sites' audit events, from the shared AuditLog table's stream, into this file's own Stats table
// (local-env.ts), with the real aggregator, as StatsAggregatorFunction does in make dev and AWS. The stream holds
// the whole run's events; only the named sites' are handed to the aggregator, so a file spends no time (and makes
// no writes) on the others'.
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { tables } from '../../src/core/config';
import { createStreamEventSource } from '../../src/dev/stream-event-source';
import { createStatsAggregator } from '../../src/stats/aggregate';

const sites = new Set<string>();
const aggregate = createStatsAggregator();
let source: ReturnType<typeof createStreamEventSource> | undefined;

export async function countAuditEvents(...tenantIds: string[]): Promise<void> {
  for (const id of tenantIds) sites.add(id);
  source ??= createStreamEventSource({
    functionName: 'StatsAggregatorFunction',
    tableName: tables().audit,
    handler: (event: DynamoDBStreamEvent) =>
      aggregate({
        Records: event.Records.filter((r) => sites.has(r.dynamodb?.NewImage?.tenant_id?.S ?? '')),
      }),
    filters: [{ eventName: ['INSERT'] }],
    batchSize: 1000,
  });
  for (let pass = 0; pass < 500 && (await source.pollOnce()) > 0; pass++);
}
