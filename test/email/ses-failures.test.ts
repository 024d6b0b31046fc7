import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../src/dev/lambda-context';
import { createSqsEventSource } from '../../src/dev/sqs-event-source';
import { enqueueEmail } from '../../src/email/jobs';
import { relayOutbox } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';

// moto cannot throttle or reject a recipient, so this file's SES is a small server speaking SES's Query/XML
// protocol to the real SDK: the HTTP boundary is the only thing faked.
const received: { to: string; action: string }[] = [];
let behaviour: (to: string) => 'ok' | 'throttle' | 'reject' | 'fail' = () => 'ok';
let server: Server;
let site: TestTenant;

const xml = (status: number, body: string) => ({ status, body });
function respond(to: string) {
  switch (behaviour(to)) {
    case 'throttle':
      return xml(
        400,
        '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Maximum sending rate exceeded.</Message></Error><RequestId>r</RequestId></ErrorResponse>',
      );
    case 'reject':
      return xml(
        400,
        '<ErrorResponse><Error><Type>Sender</Type><Code>MessageRejected</Code><Message>Address is on the account-level suppression list.</Message></Error><RequestId>r</RequestId></ErrorResponse>',
      );
    case 'fail':
      return xml(
        503,
        '<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>Service unavailable</Message></Error><RequestId>r</RequestId></ErrorResponse>',
      );
    default:
      return xml(
        200,
        `<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendEmailResult><MessageId>${randomUUID()}</MessageId></SendEmailResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></SendEmailResponse>`,
      );
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const to = form.get('Destination.ToAddresses.member.1') ?? '';
      received.push({ to, action: form.get('Action') ?? '' });
      const answer = respond(to);
      res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.env.AWS_ENDPOINT_URL_SES = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  site = await createTestTenant();
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function runWorkerOnce() {
  const { createEmailWorker } = await import('../../src/email/worker');
  const worker = createEmailWorker();
  let failures: string[] = [];
  const events = createSqsEventSource({
    functionName: 'w',
    queueUrl: process.env.EMAIL_QUEUE_URL as string,
    queueArn: 'arn:x',
    handler: async (event, context) => {
      const result = await worker(event, context ?? lambdaContext('w'));
      failures = result.batchItemFailures.map((f) => f.itemIdentifier);
      return result;
    },
  });
  await relayOutbox();
  await events.pollOnce();
  await events.stop();
  return failures;
}

const job = (to: string) =>
  enqueueEmail({
    client_id: site.tenant.clientId,
    site_id: site.tenant.siteId,
    template: 'welcome',
    to,
    data: {},
  });
const sendsTo = (to: string) => received.filter((r) => r.to === to && r.action === 'SendEmail').length;

describe('S40: SES failures', () => {
  it('throttling fails the record (after the SDK retries) so SQS redelivers it; then it is sent once', async () => {
    const to = `throttled-${randomUUID()}@example.com`;
    behaviour = (addr) => (addr === to ? 'throttle' : 'ok');
    await job(to);
    const failed = await runWorkerOnce();
    expect(failed).toHaveLength(1);
    expect(sendsTo(to)).toBe(3);
    // Make the message visible again, as its visibility timeout would.
    const { sqsSdk } = await import('../../src/dev/aws');
    const sdk = sqsSdk();
    const sqs = new sdk.SQSClient({});
    const { Messages = [] } = await sqs.send(
      new sdk.ReceiveMessageCommand({ QueueUrl: process.env.EMAIL_QUEUE_URL, VisibilityTimeout: 0 }),
    );
    await sqs.send(
      new sdk.ChangeMessageVisibilityCommand({
        QueueUrl: process.env.EMAIL_QUEUE_URL,
        ReceiptHandle: Messages[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    sqs.destroy();
    behaviour = () => 'ok';
    expect(await runWorkerOnce()).toEqual([]);
    expect(sendsTo(to)).toBe(4);
  });

  it('a 5xx from SES fails the record for a retry, never drops it', async () => {
    const to = `unavailable-${randomUUID()}@example.com`;
    behaviour = (addr) => (addr === to ? 'fail' : 'ok');
    await job(to);
    expect(await runWorkerOnce()).toHaveLength(1);
  });

  it('a permanently rejected recipient is recorded, the record succeeds, and later jobs to it are not sent', async () => {
    const to = `rejected-${randomUUID()}@example.com`;
    behaviour = (addr) => (addr === to ? 'reject' : 'ok');
    await job(to);
    expect(await runWorkerOnce()).toEqual([]);
    expect(sendsTo(to)).toBe(1);
    behaviour = () => 'ok';
    await job(to);
    expect(await runWorkerOnce()).toEqual([]);
    expect(sendsTo(to)).toBe(1);
    const { isAddressSuppressed } = await import('../../src/email/suppressions');
    expect(await isAddressSuppressed(`${site.tenant.clientId}#${site.tenant.siteId}`, to)).toBe(true);
  });
});
