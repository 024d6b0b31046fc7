// Runs before each test file: points the AWS SDK and the app's config at the run's local services, and gives
// the file its own email queue so parallel files never receive each other's messages.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { sqsSdk } from '../../src/dev/aws';

Object.assign(process.env, inject('localEnv'));

const sdk = sqsSdk();
const sqs = new sdk.SQSClient({});
const { QueueUrl } = await sqs.send(new sdk.CreateQueueCommand({ QueueName: `EmailQueue-${randomUUID()}` }));
process.env.EMAIL_QUEUE_URL = QueueUrl;
sqs.destroy();
