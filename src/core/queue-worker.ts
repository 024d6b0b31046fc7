// An SQS-triggered worker: a partial-batch processor (only failed records return to the queue) with idempotency
// per job id (S40), so a redelivered message is not sent twice. The email and SMS workers are two of these.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { WORKER_LIMITS } from './aws-limits';
import { tables } from './config';
import type { Counter } from './db/stats';
import { reportError } from './error-reporting';
import { logger } from './log';
import { count } from './stats';

/** How a worker's jobs show on the dashboard: delivered, failed attempts, and given up (to the DLQ). */
export type JobCounters<Job, Result> = {
  tenantOf(job: Job): string;
  /** What a finished job counts as; undefined counts nothing (an expired code, say). */
  outcome(result: Result): 'sent' | 'failed' | undefined;
  sent: Counter;
  failed: Counter;
  deadLettered: Counter;
  /** The queue's maxReceiveCount (template.yaml): the receive after which a failure means the DLQ. */
  maxReceives: number;
};

export function createQueueWorker<Job extends { id: string }, Result>(worker: {
  /** What the logs call a job: "email", "SMS". */
  noun: string;
  parse(body: string): Job;
  process(job: Job): Promise<Result>;
  /** Errors no retry can fix; they still fail the record, which SQS moves to the DLQ after maxReceiveCount. */
  isPermanent(error: unknown): boolean;
  /** Deliveries counted here (email, SMS); workers whose jobs belong to a record they read count themselves. */
  counters?: JobCounters<Job, Result>;
}) {
  const counters = worker.counters;
  const processor = new BatchProcessor(EventType.SQS);
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    // A redelivered job within a day is the same message; SQS retention is at most 4 days, DLQ redrive is manual.
    expiresAfterSeconds: 86_400,
  });
  // Counted inside the idempotent call: a redelivered job that was already sent is not counted again.
  const processAndCount = async (job: Job) => {
    const result = await worker.process(job);
    const outcome = counters?.outcome(result);
    if (counters && outcome) await count(counters.tenantOf(job), { [counters[outcome]]: 1 });
    return result;
  };
  const processOnce = makeIdempotent(processAndCount, {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: tables().idempotency,
      clientConfig: WORKER_LIMITS,
    }),
    config: idempotency,
  });

  const handleRecord = async (record: SQSRecord) => {
    let job: Job | undefined;
    try {
      job = worker.parse(record.body);
      return await processOnce(job);
    } catch (error) {
      const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1);
      await reportError(error, { feature: worker.noun, job: record.messageId });
      // A job too malformed to name its tenant is in the log and the DLQ, not on a tenant's dashboard.
      if (job && counters) {
        const givenUp = receives >= counters.maxReceives;
        await count(counters.tenantOf(job), {
          [counters.failed]: 1,
          ...(givenUp ? { [counters.deadLettered]: 1 } : {}),
        });
      }
      logger.error(
        worker.isPermanent(error)
          ? `${worker.noun} job can never succeed; it will end in the DLQ`
          : `${worker.noun} job failed; SQS will retry it`,
        {
          message_id: record.messageId,
          receive_count: record.attributes?.ApproximateReceiveCount,
          error: error as Error,
        },
      );
      throw error;
    }
  };

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    idempotency.registerLambdaContext(context);
    // A batch where every record failed still reports per record, so Lambda retries only those, not a blind re-run.
    return processPartialResponse(event, handleRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}
