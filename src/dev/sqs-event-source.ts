// Emulates Lambda's SQS event source mapping locally: receive, invoke with a real SQS event, delete only successes.
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { sqsSdk } from './aws';
import { lambdaContext } from './lambda-context';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

export type EventSourceOptions = {
  functionName: string;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  batchSize?: number;
  /** Long-poll wait per receive; Lambda's pollers long-poll too. */
  waitSeconds?: number;
  timeoutSeconds?: number;
  onError?: (error: unknown) => void;
};

/**
 * Like the real mapping: failed records (batchItemFailures, or all of them when the handler throws) are
 * left alone, so they reappear after the visibility timeout and, after maxReceiveCount, SQS moves them to
 * the DLQ. Successful ones are deleted.
 */
export function createSqsEventSource(options: EventSourceOptions) {
  const sdk = sqsSdk();
  const sqs = new sdk.SQSClient({});
  let running = false;

  async function pollOnce(wait = options.waitSeconds ?? 1): Promise<number> {
    const { Messages = [] } = await sqs.send(
      new sdk.ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: options.batchSize ?? 10,
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return 0;
    const records: SQSRecord[] = Messages.map((m) => ({
      messageId: m.MessageId as string,
      receiptHandle: m.ReceiptHandle as string,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: m.Attributes?.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp:
          m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: options.queueArn,
      awsRegion: 'us-east-1',
    }));
    let failed: Set<string>;
    try {
      const result = await options.handler(
        { Records: records },
        lambdaContext(options.functionName, options.timeoutSeconds),
      );
      failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      options.onError?.(error);
      failed = new Set(records.map((r) => r.messageId));
    }
    const done = records.filter((r) => !failed.has(r.messageId));
    if (done.length > 0) {
      await sqs.send(
        new sdk.DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
    return records.length;
  }

  let loop: Promise<void> | undefined;

  return {
    /** One receive (no long-poll wait) and its invocation; returns how many messages it handled. */
    pollOnce: () => pollOnce(0),
    /** Polls until stopped, as the managed mapping does. */
    start() {
      running = true;
      loop ??= (async () => {
        while (running) {
          try {
            await pollOnce();
          } catch (error) {
            options.onError?.(error);
            await new Promise((r) => setTimeout(r, 1000).unref());
          }
        }
      })();
    },
    stop: async () => {
      running = false;
      await loop;
      sqs.destroy();
    },
  };
}
