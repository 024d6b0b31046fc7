// Reads the email and SMS jobs the app queued: relays this test file's own Outbox table to its own queues
// (see local-env.ts) with the real relay, then opens the jobs as the workers would.

import { unseal } from '../../src/core/sealed';
import { sqsSdk } from '../../src/dev/aws';
import { createStreamEventSource } from '../../src/dev/stream-event-source';
import type { EmailContent, EmailJob } from '../../src/email/jobs';
import { createOutboxRelay } from '../../src/outbox/relay';
import type { SmsJob } from '../../src/sms/jobs';

let relay: ReturnType<typeof createStreamEventSource> | undefined;

/** Runs the outbox relay over everything written to this file's Outbox table so far. */
export async function relayOutbox(): Promise<void> {
  relay ??= createStreamEventSource({
    functionName: 'OutboxRelayFunction',
    tableName: process.env.OUTBOX_TABLE as string,
    handler: createOutboxRelay(),
    filters: [{ eventName: ['INSERT'] }],
  });
  // Until the stream is quiet; bounded, since a relay that keeps failing re-reads the same records.
  for (let pass = 0; pass < 10 && (await relay.pollOnce()) > 0; pass++);
}

/** Every message on a queue so far (received and deleted), as raw bodies. */
async function drain(queueUrl: string | undefined): Promise<string[]> {
  await relayOutbox();
  const sdk = sqsSdk();
  const sqs = new sdk.SQSClient({});
  const bodies: string[] = [];
  try {
    while (true) {
      const { Messages = [] } = await sqs.send(
        new sdk.ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        bodies.push(m.Body as string);
        await sqs.send(new sdk.DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  } finally {
    sqs.destroy();
  }
  return bodies;
}

/** A job as queued (sealed), with what the worker reads once it opens it. */
export type OpenedEmailJob = EmailJob & EmailContent & { raw: string };
const seen: OpenedEmailJob[] = [];

/** Every email job queued so far in this file, opened (drains the queue into a local list). */
export async function emailJobs(): Promise<OpenedEmailJob[]> {
  for (const raw of await drain(process.env.EMAIL_QUEUE_URL)) {
    const job = JSON.parse(raw) as EmailJob;
    const content = JSON.parse((await unseal(job.sealed, job.id)) as string) as EmailContent;
    seen.push({ ...job, ...content, raw });
  }
  return [...seen];
}

export type SentSms = { job: SmsJob; to: string; text: string; code?: string };
const texts: SentSms[] = [];

/** Every SMS queued so far in this file, opened as the SMS worker would (drains the queue). */
export async function smsJobs(): Promise<SentSms[]> {
  for (const body of await drain(process.env.SMS_QUEUE_URL)) {
    const job = JSON.parse(body) as SmsJob;
    const { to, text } = JSON.parse((await unseal(job.sealed, job.id)) as string);
    texts.push({ job, to, text, code: /\b(\d{6})\b/.exec(text)?.[1] });
  }
  return [...texts];
}

/** The code in the newest text to `to`. */
export async function smsCodeFor(to: string): Promise<string> {
  const code = (await smsJobs()).filter((t) => t.to === to).at(-1)?.code;
  if (!code) throw new Error(`no SMS code to ${to}`);
  return code;
}

/** The code in the newest mfa_code email to `to`. */
export async function emailCodeFor(to: string): Promise<string> {
  const code = (await jobsTo(to, 'mfa_code')).at(-1)?.data.code as string | undefined;
  if (!code) throw new Error(`no code email to ${to}`);
  return code;
}

export const jobsTo = async (to: string, template?: string) =>
  (await emailJobs()).filter((j) => j.to === to && (!template || j.template === template));

/** The token in the newest reset link sent to `to`. */
export async function resetTokenFor(to: string): Promise<string> {
  const jobs = await jobsTo(to, 'password_reset');
  const link = jobs.at(-1)?.data.reset_url as string | undefined;
  if (!link) throw new Error(`no reset email to ${to}`);
  return new URL(link).searchParams.get('token') as string;
}
