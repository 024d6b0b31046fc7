// Counts what the shared AuditLog table's stream holds so far into this file's own Stats table (local-env.ts),
// with the real aggregator, as StatsAggregatorFunction does in make dev and AWS.
import { tables } from '../../src/core/config';
import { createStreamEventSource } from '../../src/dev/stream-event-source';
import { createStatsAggregator } from '../../src/stats/aggregate';

let source: ReturnType<typeof createStreamEventSource> | undefined;

export async function countAuditEvents(): Promise<void> {
  source ??= createStreamEventSource({
    functionName: 'StatsAggregatorFunction',
    tableName: tables().audit,
    handler: createStatsAggregator(),
    filters: [{ eventName: ['INSERT'] }],
    // The whole run's audit events are on this stream, thousands by the later files: read them in big batches.
    batchSize: 1000,
  });
  for (let pass = 0; pass < 500 && (await source.pollOnce()) > 0; pass++);
}
