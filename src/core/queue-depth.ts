// Queue depths for the console's dashboard. The SQS SDK loads only when the dashboard asks.
import type { SQSClient } from '@aws-sdk/client-sqs';
import { REQUEST_PATH_LIMITS } from './aws-limits';

let client: SQSClient | undefined;

/** Messages waiting (and in flight) on a queue; undefined when it cannot be read. */
export async function queueDepth(queueUrl: string | undefined): Promise<number | undefined> {
  if (!queueUrl) return undefined;
  try {
    const sdk = await import('@aws-sdk/client-sqs');
    client ??= new sdk.SQSClient(REQUEST_PATH_LIMITS);
    const { Attributes } = await client.send(
      new sdk.GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  } catch {
    return undefined;
  }
}
