// The email feature's job contract and its producer: any feature queues an email here; the email worker sends it.
// Jobs go to the Outbox table (see core/db/outbox.ts) sealed: no recipient, link or code sits readable in
// DynamoDB, SQS or a DLQ (S43).
import { randomUUID } from 'node:crypto';
import { putOutboxMessages } from '../core/db/outbox';
import type { Tenant } from '../core/db/tenants';
import { seal } from '../core/sealed';

/** The message contract between the producers and the email worker. */
export type EmailJob = {
  id: string;
  client_id: string;
  site_id: string;
  template: string;
  /** `{"to","data"}` sealed under the data key with the job id as context. */
  sealed: string;
};

/** What an email job says once the worker has opened it. */
export type EmailContent = { to: string; data: Record<string, unknown> };
export type EmailRequest = { client_id: string; site_id: string; template: string } & EmailContent;

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

/** An email on behalf of a tenant's site: the worker renders `template` with `data` and the site's branding. */
export function enqueueTenantEmail(
  tenant: Tenant,
  template: string,
  to: string,
  data: Record<string, unknown>,
) {
  return enqueueEmail({ client_id: tenant.clientId, site_id: tenant.siteId, template, to, data });
}
