// The SQS email worker: a partial-batch processor (only failed records return) with idempotency per job id (S40).
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { getConfig } from '../core/config';
import { logger } from '../core/log';
import type { EmailJob } from '../core/queue';
import { PermanentEmailError } from './contracts';
import { parseEmailJob, processEmailJob } from './process-job';

export function createEmailWorker() {
  const processor = new BatchProcessor(EventType.SQS);
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    // A redelivered job within a day is the same email; SQS retention is 4 days, DLQ redrive is manual.
    expiresAfterSeconds: 86_400,
  });
  const sendOnce = makeIdempotent((job: EmailJob) => processEmailJob(job), {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: getConfig().tables.idempotency }),
    config: idempotency,
  });

  const handleRecord = async (record: SQSRecord) => {
    try {
      return await sendOnce(parseEmailJob(record.body));
    } catch (error) {
      const permanent = error instanceof PermanentEmailError;
      logger.error(
        permanent
          ? 'email job can never succeed; it will end in the DLQ'
          : 'email job failed; SQS will retry it',
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
