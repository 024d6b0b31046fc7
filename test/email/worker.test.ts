import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { sqsSdk } from '../../src/dev/aws';
import { lambdaContext } from '../../src/dev/lambda-context';
import { createSqsEventSource } from '../../src/dev/sqs-event-source';
import { enqueueEmail } from '../../src/email/jobs';
import { createEmailWorker } from '../../src/email/worker';
import { client, withKey } from '../support/http';
import { relayOutbox } from '../support/queued-jobs';
import { linksIn, sentEmails } from '../support/ses';
import { sqsEventOf } from '../support/sqs-events';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const app = createApp();
const api = client(app);
const worker = createEmailWorker();
let site: TestTenant;
let brokenSender: TestTenant;

const queueArn = 'arn:aws:sqs:us-east-1:123456789012:EmailQueue-test';
const source = () =>
  createSqsEventSource({
    functionName: 'EmailWorkerFunction',
    queueUrl: process.env.EMAIL_QUEUE_URL as string,
    queueArn,
    handler: worker,
  });

async function receiveAll() {
  await relayOutbox();
  const sdk = sqsSdk();
  const sqs = new sdk.SQSClient({});
  const { Messages = [] } = await sqs.send(
    new sdk.ReceiveMessageCommand({
      QueueUrl: process.env.EMAIL_QUEUE_URL,
      MaxNumberOfMessages: 10,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  sqs.destroy();
  return Messages;
}

const toEvent = (messages: Awaited<ReturnType<typeof receiveAll>>) =>
  sqsEventOf(
    messages.map((m) => ({
      id: m.MessageId as string,
      receiptHandle: m.ReceiptHandle,
      body: m.Body as string,
    })),
    queueArn,
  );

beforeAll(async () => {
  // These tests are about SES's own refusals, so the app does not screen senders first (see tenant settings).
  const { emailConfig } = await import('../../src/email/config');
  emailConfig().senderIdentity = undefined;
  site = await createTestTenant({
    name: 'Worker Shop',
    settings: {
      reset_url: 'https://worker-shop.example/reset',
      email: { from: 'Worker Shop <shop@example.com>' },
    },
  });
  // A sender outside the verified identity: SES refuses, so its jobs fail (and are retried).
  brokenSender = await createTestTenant({ settings: { email: { from: 'someone@unverified.test' } } });
});

describe('email worker (S40) against moto SQS and SES', () => {
  it('request reset -> queue -> worker -> an SES email whose link confirms the reset', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await api.post('/auth/password-reset', { email }, withKey(site.apiKey));
    const events = source();
    await relayOutbox();
    while ((await events.pollOnce()) > 0);
    const [sent] = await sentEmails(email);
    expect(sent?.source).toBe('Worker Shop <shop@example.com>');
    expect(sent?.subject).toBe('Reset your Worker Shop password');
    const link = linksIn(sent?.body ?? '').find((l) => l.startsWith('https://worker-shop.example/reset'));
    const token = new URL(link as string).searchParams.get('token') as string;
    const confirmed = await api.post('/auth/password-reset/confirm', {
      token,
      new_password: 'reset through email',
    });
    expect(confirmed.status).toBe(200);
    expect(
      (await api.post('/auth/login', { email, password: 'reset through email' }, withKey(site.apiKey)))
        .status,
    ).toBe(200);
    // The confirmation queued a notice; the worker sends it and deletes every processed message.
    await relayOutbox();
    while ((await events.pollOnce()) > 0);
    expect((await sentEmails(email)).map((m) => m.subject)).toEqual([
      'Reset your Worker Shop password',
      'Your Worker Shop password was changed',
    ]);
    expect(await receiveAll()).toEqual([]);
  });

  it('reports only the record that failed at SES in batchItemFailures', async () => {
    const good = `good-${randomUUID()}@example.com`;
    const bad = `bad-${randomUUID()}@example.com`;
    const data = { title: 'Hello', message: 'A message' };
    await enqueueEmail({
      client_id: site.tenant.clientId,
      site_id: site.tenant.siteId,
      template: 'notification',
      to: good,
      data,
    });
    const badId = await enqueueEmail({
      client_id: brokenSender.tenant.clientId,
      site_id: brokenSender.tenant.siteId,
      template: 'notification',
      to: bad,
      data,
    });
    const messages = await receiveAll();
    expect(messages).toHaveLength(2);
    const result = await worker(toEvent(messages), lambdaContext('EmailWorkerFunction'));
    const badMessage = messages.find((m) => JSON.parse(m.Body as string).id === badId);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: badMessage?.MessageId }]);
    expect(await sentEmails(good)).toHaveLength(1);
    expect(await sentEmails(bad)).toHaveLength(0);
  });

  it('a failed record is retried: after the sender is fixed the same message is sent once', async () => {
    const fixable = await createTestTenant({ settings: { email: { from: 'nobody@unverified.test' } } });
    const to = `retry-${randomUUID()}@example.com`;
    const id = await enqueueEmail({
      client_id: fixable.tenant.clientId,
      site_id: fixable.tenant.siteId,
      template: 'welcome',
      to,
      data: {},
    });
    const first = await receiveAll();
    expect((await worker(toEvent(first), lambdaContext('w'))).batchItemFailures).toHaveLength(1);
    const { putTenant } = await import('../../src/core/db/tenants');
    await putTenant({ ...fixable.tenant, settings: { email: { from: 'fixed@example.com' } } });
    const redelivered = toEvent(first);
    expect((await worker(redelivered, lambdaContext('w'))).batchItemFailures).toEqual([]);
    expect(await sentEmails(to)).toHaveLength(1);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('S40: the same job delivered twice sends one email', async () => {
    const to = `twice-${randomUUID()}@example.com`;
    await enqueueEmail({
      client_id: site.tenant.clientId,
      site_id: site.tenant.siteId,
      template: 'welcome',
      to,
      data: { name: 'Once' },
    });
    const messages = await receiveAll();
    const event = toEvent(messages);
    expect((await worker(event, lambdaContext('w'))).batchItemFailures).toEqual([]);
    expect((await worker(event, lambdaContext('w'))).batchItemFailures).toEqual([]);
    expect(await sentEmails(to)).toHaveLength(1);
  });

  it('a malformed job or unknown template fails only its own record', async () => {
    const to = `fine-${randomUUID()}@example.com`;
    const sdk = sqsSdk();
    const sqs = new sdk.SQSClient({});
    await sqs.send(
      new sdk.SendMessageCommand({ QueueUrl: process.env.EMAIL_QUEUE_URL, MessageBody: 'not json at all' }),
    );
    sqs.destroy();
    await enqueueEmail({
      client_id: site.tenant.clientId,
      site_id: site.tenant.siteId,
      template: 'no_such_template',
      to,
      data: {},
    });
    await enqueueEmail({
      client_id: site.tenant.clientId,
      site_id: site.tenant.siteId,
      template: 'welcome',
      to,
      data: {},
    });
    const messages = await receiveAll();
    const result = await worker(toEvent(messages), lambdaContext('w'));
    expect(result.batchItemFailures).toHaveLength(2);
    expect(await sentEmails(to)).toHaveLength(1);
  });
});

describe('the local SQS event source (make dev)', () => {
  it('S40: a poison message is retried, then ends in the DLQ, and the queue moves on', async () => {
    const sdk = sqsSdk();
    const sqs = new sdk.SQSClient({});
    const name = `poison-${randomUUID()}`;
    const { QueueUrl: dlqUrl } = await sqs.send(new sdk.CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const { Attributes } = await sqs.send(
      new sdk.GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const { QueueUrl } = await sqs.send(
      new sdk.CreateQueueCommand({
        QueueName: name,
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
        },
      }),
    );
    await sqs.send(new sdk.SendMessageCommand({ QueueUrl, MessageBody: '{"broken": true}' }));
    const events = createSqsEventSource({
      functionName: 'w',
      queueUrl: QueueUrl as string,
      queueArn: 'arn:x',
      handler: worker,
    });
    const inDlq = async () => {
      const { Attributes: a } = await sqs.send(
        new sdk.GetQueueAttributesCommand({
          QueueUrl: dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      return Number(a?.ApproximateNumberOfMessages);
    };
    let deliveries = 0;
    for (let i = 0; i < 8 && (await inDlq()) === 0; i++) {
      deliveries += await events.pollOnce();
      // Past the 1 s visibility timeout, the failed message is visible again.
      await new Promise((r) => setTimeout(r, 1100));
    }
    const dead = await sqs.send(new sdk.ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }));
    expect(dead.Messages?.map((m) => m.Body)).toEqual(['{"broken": true}']);
    expect(deliveries).toBe(2);
    await events.stop();
    sqs.destroy();
  });
});
