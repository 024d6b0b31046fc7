// An SQS-triggered worker: a partial-batch processor (only failed records return to the queue) with idempotency
// per job id (S40), so a redelivered message is not sent twice. The email and SMS workers are two of these.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { WORKER_LIMITS } from './aws-limits';
import { tables } from './config';
import { logger } from './log';

export function createQueueWorker<Job extends { id: string }, Result>(worker: {
  /** What the logs call a job: "email", "SMS". */
  noun: string;
  parse(body: string): Job;
  process(job: Job): Promise<Result>;
  /** Errors no retry can fix; they still fail the record, which SQS moves to the DLQ after maxReceiveCount. */
  isPermanent(error: unknown): boolean;
}) {
  const processor = new BatchProcessor(EventType.SQS);
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    // A redelivered job within a day is the same message; SQS retention is at most 4 days, DLQ redrive is manual.
    expiresAfterSeconds: 86_400,
  });
  const processOnce = makeIdempotent((job: Job) => worker.process(job), {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: tables().idempotency,
      clientConfig: WORKER_LIMITS,
    }),
    config: idempotency,
  });

  const handleRecord = async (record: SQSRecord) => {
    try {
      return await processOnce(worker.parse(record.body));
    } catch (error) {
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
