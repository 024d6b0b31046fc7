// SQS events as Lambda's event source mapping delivers them, for calling a worker handler directly.
import type { SQSEvent } from 'aws-lambda';

export const sqsEventOf = (
  messages: { id: string; receiptHandle?: string; body: string }[],
  queueArn = 'arn:aws:sqs:us-east-1:123456789012:test-queue',
): SQSEvent => ({
  Records: messages.map((m) => ({
    messageId: m.id,
    receiptHandle: m.receiptHandle ?? m.id,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'x',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  })),
});
