// Puts email jobs on the EmailQueue and text messages on the SmsQueue for their workers. The SQS SDK loads on first use, off the cold path.

import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { getConfig } from './config';
import type { Tenant } from './db/tenants';
import { seal } from './sealed';

/** The message contract between the API and the email worker. */
export type EmailJob = {
  id: string;
  client_id: string;
  site_id: string;
  template: string;
  to: string;
  data: Record<string, unknown>;
};

/** The message contract between the API and the SMS worker: recipient and text travel sealed (S25). */
export type SmsJob = {
  id: string;
  tenant_id: string;
  /** `{"to","text"}` sealed under the MFA key with the job id as context: no code sits readable in SQS. */
  sealed: string;
  /** Epoch seconds after which the text (a code) is useless and the worker drops it. */
  expires_at: number;
};

let client: SQSClient | undefined;

async function sendToQueue(queueUrl: string | undefined, name: string, body: unknown): Promise<void> {
  if (!queueUrl) throw new Error(`${name} is not configured`);
  const sdk = await import('@aws-sdk/client-sqs');
  client ??= new sdk.SQSClient({ maxAttempts: 3 });
  await client.send(new sdk.SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));
}

/** Sends one job and returns its id; errors propagate so the caller can fail instead of losing mail. */
export async function enqueueEmail(job: Omit<EmailJob, 'id'> & { id?: string }): Promise<string> {
  const message: EmailJob = { ...job, id: job.id ?? randomUUID() };
  await sendToQueue(getConfig().emailQueueUrl, 'EMAIL_QUEUE_URL', message);
  return message.id;
}

/** Queues one text message for the SMS worker; errors propagate (the caller answers 503, nothing half-done). */
export async function enqueueSms(
  tenantId: string,
  message: { to: string; text: string },
  expiresAt: number,
): Promise<string> {
  const id = randomUUID();
  const job: SmsJob = {
    id,
    tenant_id: tenantId,
    sealed: await seal(JSON.stringify(message), id),
    expires_at: expiresAt,
  };
  await sendToQueue(getConfig().sms.queueUrl, 'SMS_QUEUE_URL', job);
  return id;
}

/** An email on behalf of a tenant's site: the worker renders `template` with `data` and the site's branding. */
export function enqueueTenantEmail(
  tenant: Tenant,
  template: string,
  to: string,
  data: Record<string, unknown>,
) {
  return enqueueEmail({ client_id: tenant.clientId, site_id: tenant.siteId, template, to, data });
}

/** Messages waiting (and in flight) on a queue, for the console; undefined when it cannot be read. */
export async function queueDepth(queueUrl: string | undefined): Promise<number | undefined> {
  if (!queueUrl) return undefined;
  try {
    const sdk = await import('@aws-sdk/client-sqs');
    client ??= new sdk.SQSClient({ maxAttempts: 3 });
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
