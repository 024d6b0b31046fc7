// Runs before each test file: points the AWS SDK and the app's config at the run's local services, gives the
// file its own Outbox and Stats tables (the first with its stream) and its own email and SMS queues, so parallel files never relay or
// receive each other's messages, and its own fake Twilio Messages API for the SMS worker.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { sqsSdk } from '../../src/dev/aws';
import { createTables } from '../../src/dev/provision';
import { loadTemplate } from '../../src/dev/template';
import { FAKE_TWILIO, startFakeTwilio } from './fake-twilio';

Object.assign(process.env, inject('localEnv'));

const sdk = sqsSdk();
const sqs = new sdk.SQSClient({});
const queue = async (name: string) =>
  (await sqs.send(new sdk.CreateQueueCommand({ QueueName: `${name}-${randomUUID()}` }))).QueueUrl;
process.env.EMAIL_QUEUE_URL = await queue('EmailQueue');
process.env.SMS_QUEUE_URL = await queue('SmsQueue');
process.env.SCRAPE_QUEUE_URL = await queue('ScrapeQueue');
// Scrape jobs in tests fetch loopback fixture servers; S44's tests check the refusals with a policy of their own.
process.env.OUTBOUND_ALLOW_LOOPBACK = 'true';
sqs.destroy();

const template = loadTemplate();
process.env.OUTBOX_TABLE = `Outbox-${randomUUID()}`;
// Its own dashboard counters too: each file counts the shared audit stream itself (support/stats.ts).
process.env.STATS_TABLE = `Stats-${randomUUID()}`;
await createTables(
  {
    ...template,
    Resources: {
      OutboxTable: template.Resources.OutboxTable as never,
      StatsTable: template.Resources.StatsTable as never,
    },
  },
  { OutboxTable: process.env.OUTBOX_TABLE, StatsTable: process.env.STATS_TABLE },
);

const twilio = await startFakeTwilio();
Object.assign(process.env, {
  TWILIO_ACCOUNT_SID: FAKE_TWILIO.accountSid,
  TWILIO_AUTH_TOKEN: FAKE_TWILIO.authToken,
  TWILIO_FROM: FAKE_TWILIO.from,
  TWILIO_API_URL: twilio.url,
});

// Tests that are not about the rate-limit classes send far more than a person would, from one address ('unknown' in
// app.request); the classes' own tests set a site's budget low (settings.rate_limits).
for (const name of ['ADMIN', 'AUTH', 'PUBLIC', 'SEND']) {
  process.env[`RATE_LIMIT_${name}_RPM`] = '1000000';
  process.env[`RATE_LIMIT_${name}_BURST`] = '100000';
}
