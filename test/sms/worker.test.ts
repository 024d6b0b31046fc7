// The SMS worker with the real twilio SDK against a local server speaking Twilio's Messages API.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { useClock } from '../../src/core/clock';
import { createSqsEventSource } from '../../src/dev/sqs-event-source';
import { enqueueSms } from '../../src/sms/jobs';
import { createSmsWorker } from '../../src/sms/worker';
import { FAKE_TWILIO, twilioMessages } from '../support/fake-twilio';
import { bearer, client } from '../support/http';
import { relayOutbox } from '../support/queued-jobs';
import { createTestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const app = createApp();
const api = client(app);
const worker = createSmsWorker();
const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

const source = () =>
  createSqsEventSource({
    functionName: 'SmsWorkerFunction',
    queueUrl: process.env.SMS_QUEUE_URL as string,
    queueArn: 'arn:aws:sqs:us-east-1:123456789012:SmsQueue-test',
    handler: worker,
  });
const drain = async () => {
  await relayOutbox();
  const events = source();
  while ((await events.pollOnce()) > 0);
};
const sentTo = async (to: string) => (await twilioMessages()).filter((m) => m.to === to);

describe('SMS worker', () => {
  it('enrollment text: queue -> worker -> twilio SDK -> Messages API, and the texted code activates SMS', async () => {
    const site = await createTestTenant({ name: 'Texting Shop' });
    const user = await registerAndLogin(app, site.apiKey);
    const phone = '+14155550123';
    expect((await api.post('/auth/mfa/sms/setup', { phone }, bearer(user.token))).status).toBe(202);
    await drain();
    const [message] = await sentTo(phone);
    expect(message).toMatchObject({ accountSid: FAKE_TWILIO.accountSid, from: FAKE_TWILIO.from });
    expect(message?.body).toMatch(
      /^\d{6} is your Texting Shop verification code\. It expires in 10 minutes\.$/,
    );
    const code = message?.body.slice(0, 6);
    const activated = await api.post('/auth/mfa/sms/activate', { code }, bearer(user.token));
    expect(activated.status).toBe(200);
  });

  it('a number Twilio refuses (400) is dropped, not retried; an outage (503) is retried', async () => {
    await enqueueSms('T#S', { to: '+15005550001', text: 'refused' }, inAMinute());
    await enqueueSms('T#S', { to: '+15005559999', text: 'outage' }, inAMinute());
    const failures: string[] = [];
    const events = createSqsEventSource({
      functionName: 'SmsWorkerFunction',
      queueUrl: process.env.SMS_QUEUE_URL as string,
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:SmsQueue-test',
      handler: async (event, context) => {
        const result = await worker(event, context);
        failures.push(...result.batchItemFailures.map((f) => f.itemIdentifier));
        return result;
      },
    });
    await relayOutbox();
    while ((await events.pollOnce()) > 0);
    // Exactly one record failed (left on the queue for SQS to redeliver): the outage.
    expect(failures).toHaveLength(1);
    expect(await sentTo('+15005550001')).toEqual([]);
    expect(await sentTo('+15005559999')).toEqual([]);
  });

  it('drops a text whose code expired before it could be sent', async () => {
    await enqueueSms('T#S', { to: '+14155550124', text: 'too late' }, Math.floor(Date.now() / 1000) + 5);
    const restore = useClock({ now: () => Date.now() + 10_000 });
    try {
      await drain();
    } finally {
      restore();
    }
    expect(await sentTo('+14155550124')).toEqual([]);
  });

  it('a job that is not ours (tampered or malformed) never reaches Twilio', async () => {
    const { sqsSdk } = await import('../../src/dev/aws');
    const sdk = sqsSdk();
    const sqs = new sdk.SQSClient({});
    const id = 'forged-job';
    const forged = { id, tenant_id: 'T#S', sealed: 'v1.AAAA.BBBB', expires_at: inAMinute() };
    await sqs.send(
      new sdk.SendMessageCommand({
        QueueUrl: process.env.SMS_QUEUE_URL,
        MessageBody: JSON.stringify(forged),
      }),
    );
    await sqs.send(
      new sdk.SendMessageCommand({ QueueUrl: process.env.SMS_QUEUE_URL, MessageBody: 'not json' }),
    );
    sqs.destroy();
    const before = (await twilioMessages()).length;
    await source().pollOnce();
    expect((await twilioMessages()).length).toBe(before);
  });
});
