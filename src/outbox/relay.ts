// The Outbox table's stream relay: each new message goes to its SQS queue, then its row is deleted. Failures are
// reported per record, so Lambda retries from the first failed one until SQS takes it (S40); a message sent
// twice is harmless, because the workers run each job id once.
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { WORKER_LIMITS } from '../core/aws-limits';
import { deleteOutboxMessage, type OutboxQueue } from '../core/db/outbox';
import { logger } from '../core/log';
import { relayConfig } from './config';

let sqs: SQSClient | undefined;

const queueUrlOf = (queue: OutboxQueue) => relayConfig()[queue];
const isQueue = (value: string | undefined): value is OutboxQueue =>
  value === 'email' || value === 'sms' || value === 'scrape' || value === 'publish';

async function relay(record: DynamoDBRecord): Promise<void> {
  // Deletes (ours, and TTL's) come down the stream too; only new rows are messages.
  if (record.eventName !== 'INSERT') return;
  const image = record.dynamodb?.NewImage;
  const id = image?.id?.S;
  const queue = image?.queue?.S;
  const body = image?.body?.S;
  if (!id || !body || !isQueue(queue)) {
    // Retrying cannot make a malformed row whole; it would only hold up the rows behind it.
    logger.error('outbox row cannot be relayed; skipped', { sequence: record.dynamodb?.SequenceNumber });
    return;
  }
  const queueUrl = queueUrlOf(queue);
  if (!queueUrl) throw new Error(`the ${queue} queue is not configured`);
  sqs ??= new SQSClient(WORKER_LIMITS);
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  await deleteOutboxMessage(id).catch((error: Error) =>
    // On its queue already; the row's TTL removes it, and a replay would only send a duplicate the worker skips.
    logger.warn('relayed outbox row not deleted', { id, error }),
  );
}

export function createOutboxRelay() {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  const handleRecord = async (record: DynamoDBRecord) => {
    try {
      await relay(record);
    } catch (error) {
      logger.error('outbox message not relayed; the stream will retry it', {
        sequence: record.dynamodb?.SequenceNumber,
        error: error as Error,
      });
      throw error;
    }
  };
  return (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> =>
    processPartialResponse(event, handleRecord, processor, { context, throwOnFullBatchFailure: false });
}
