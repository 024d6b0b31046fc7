// Counting an event a worker saw: the dashboard's hourly item (DynamoDB) and the CloudWatch metric (EMF).
import { clock } from './clock';
import { addCounts, type Counts } from './db/stats';
import { logger } from './log';
import { addCountMetrics } from './metrics';

/**
 * Never fails the work it counts: a count DynamoDB refused is logged (the metric still goes out), because the
 * email was sent or the run happened either way.
 */
export async function count(tenantId: string, counts: Counts, at = clock.now()): Promise<void> {
  addCountMetrics(counts);
  try {
    await addCounts(tenantId, at, counts);
  } catch (error) {
    logger.warn('dashboard counts not kept', { tenant: tenantId, counts, error: error as Error });
  }
}
