// Email and SMS jobs for their workers. Producers write them to the Outbox table (see db/outbox.ts), sealed: no
// recipient, link or code sits readable in DynamoDB, SQS or a DLQ. The SQS SDK loads only for queue depths.

import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { REQUEST_PATH_LIMITS } from './aws-limits';
import { putOutboxMessages } from './db/outbox';
import type { Tenant } from './db/tenants';
import { seal } from './sealed';

/** The message contract between the API and the email worker. */
export type EmailJob = {
  id: string;
  client_id: string;
  site_id: string;
  template: string;
  /** `{"to","data"}` sealed under the data key with the job id as context (reset links, codes: S43). */
  sealed: string;
};

/** What an email job says once the worker has opened it. */
export type EmailContent = { to: string; data: Record<string, unknown> };
export type EmailRequest = { client_id: string; site_id: string; template: string } & EmailContent;

/** The message contract between the API and the SMS worker: recipient and text travel sealed (S25). */
export type SmsJob = {
  id: string;
  tenant_id: string;
  /** `{"to","text"}` sealed under the MFA key with the job id as context: no code sits readable in SQS. */
  sealed: string;
  /** Epoch seconds after which the text (a code) is useless and the worker drops it. */
  expires_at: number;
};

async function sealedEmailJob(request: EmailRequest): Promise<EmailJob> {
  const id = randomUUID();
  const { to, data, ...route } = request;
  return { id, ...route, sealed: await seal(JSON.stringify({ to, data } satisfies EmailContent), id) };
}

/** Queues emails (one job each) in one durable write; returns their job ids. Errors propagate. */
export async function enqueueEmails(requests: EmailRequest[]): Promise<string[]> {
  const jobs = await Promise.all(requests.map(sealedEmailJob));
  await putOutboxMessages(jobs.map((job) => ({ id: job.id, queue: 'email', body: JSON.stringify(job) })));
  return jobs.map((job) => job.id);
}

/** Queues one email; returns its job id. Errors propagate so the caller can fail instead of losing mail. */
export async function enqueueEmail(request: EmailRequest): Promise<string> {
  return (await enqueueEmails([request]))[0] as string;
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
  await putOutboxMessages([{ id, queue: 'sms', body: JSON.stringify(job) }]);
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

let client: SQSClient | undefined;

/** Messages waiting (and in flight) on a queue, for the console; undefined when it cannot be read. */
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
