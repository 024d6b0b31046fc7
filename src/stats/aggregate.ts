// The AuditLog table's stream, counted: sign-ins, failures, lockouts, MFA changes, refresh-token reuse and secret
// messages become the dashboard's hourly counters and CloudWatch metrics, off the request path (a sign-in spends
// no extra call on them). Consecutive records of one tenant and hour are added in one transaction, in stream
// order, stopping at the first failure: Lambda retries from that record, so what was counted is not counted again
// (and the transaction's token, from the run's sequence numbers, makes a repeat of the same run a no-op).
import { createHash } from 'node:crypto';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { addCounts, type Counter, type Counts } from '../core/db/stats';
import { logger } from '../core/log';
import { addCountMetrics } from '../core/metrics';

/** Which audit events count as what. Events not listed are not counted. */
export const AUDIT_COUNTERS: Record<string, Counter> = {
  authn_login_success: 'sign_ins',
  admin_login_success: 'sign_ins',
  authn_login_fail: 'sign_in_failures',
  authn_login_lock: 'lockouts',
  authn_mfa_lock: 'lockouts',
  authn_token_reuse: 'token_reuse',
  mfa_enrolled: 'mfa_enrolled',
  mfa_removed: 'mfa_removed',
  secret_message_received: 'secrets_received',
  secret_message_opened: 'secrets_opened',
  secret_message_expired: 'secrets_expired',
};

type Run = { tenantId: string; at: number; counts: Counts; first: string; last: string };

/** Consecutive records of one tenant and hour, merged. */
function runsOf(records: DynamoDBRecord[]): Run[] {
  const runs: Run[] = [];
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    const sequence = record.dynamodb?.SequenceNumber ?? '';
    const counter = AUDIT_COUNTERS[image?.event?.S ?? ''];
    const tenantId = image?.tenant_id?.S;
    const at = Date.parse(image?.time?.S ?? '');
    // Partitions that are not a site's (`~security`, the feed's copies; `~alerts`) were counted as the site's event.
    if (
      record.eventName !== 'INSERT' ||
      !counter ||
      !tenantId ||
      tenantId.startsWith('~') ||
      !Number.isFinite(at)
    )
      continue;
    const hour = Math.floor(at / 3_600_000);
    const previous = runs.at(-1);
    if (previous && previous.tenantId === tenantId && Math.floor(previous.at / 3_600_000) === hour) {
      previous.counts[counter] = (previous.counts[counter] ?? 0) + 1;
      previous.last = sequence;
    } else {
      runs.push({ tenantId, at, counts: { [counter]: 1 }, first: sequence, last: sequence });
    }
  }
  return runs;
}

const tokenOf = (run: Run) =>
  createHash('sha256').update(`${run.first}-${run.last}`).digest('base64url').slice(0, 36);

export function createStatsAggregator() {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    for (const run of runsOf(event.Records)) {
      try {
        await addCounts(run.tenantId, run.at, run.counts, tokenOf(run));
      } catch (error) {
        logger.error('audit events not counted; the stream will retry from this one', {
          tenant: run.tenantId,
          sequence: run.first,
          error: error as Error,
        });
        return { batchItemFailures: [{ itemIdentifier: run.first }] };
      }
      addCountMetrics(run.counts);
    }
    return { batchItemFailures: [] };
  };
}
