// Puts email jobs on the EmailQueue for the email worker. The SQS SDK loads on first use, off the cold path.

import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { getConfig } from './config';
import type { Tenant } from './db/tenants';

/** The message contract between the API and the email worker. */
export type EmailJob = {
  id: string;
  client_id: string;
  site_id: string;
  template: string;
  to: string;
  data: Record<string, unknown>;
};

let client: SQSClient | undefined;

/** Sends one job and returns its id; errors propagate so the caller can fail instead of losing mail. */
export async function enqueueEmail(job: Omit<EmailJob, 'id'> & { id?: string }): Promise<string> {
  const queueUrl = getConfig().emailQueueUrl;
  if (!queueUrl) throw new Error('EMAIL_QUEUE_URL is not configured');
  const sdk = await import('@aws-sdk/client-sqs');
  client ??= new sdk.SQSClient({ maxAttempts: 3 });
  const message: EmailJob = { ...job, id: job.id ?? randomUUID() };
  await client.send(new sdk.SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
  return message.id;
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
