// One email job: validate, find the site, skip suppressed recipients, render with the site's branding, send.

import * as z from 'zod';
import { getTenantById, tenantIdOf } from '../core/db/tenants';
import { logger } from '../core/log';
import { unseal } from '../core/sealed';
import { productNameOf } from '../core/tenant-settings';
import { emailConfig } from './config';
import { CUSTOM_TEMPLATE, PermanentEmailError } from './contracts';
import type { EmailContent, EmailJob } from './jobs';
import { customEmail, renderEmail } from './render';
import { sendEmail } from './send';
import { emailSettings } from './settings';
import { isAddressSuppressed, suppressAddress } from './suppressions';

const jobSchema = z.object({
  id: z.string().min(1).max(100),
  client_id: z.string().min(1),
  site_id: z.string().min(1),
  template: z.string().min(1).max(64),
  sealed: z.string().min(1).max(600_000),
});
const contentSchema = z.object({ to: z.email(), data: z.record(z.string(), z.unknown()) });

const customData = z.object({
  subject: z.string().min(1).max(200),
  text: z.string().min(1).max(100_000),
  html: z.string().max(200_000).optional(),
});

export type JobResult = { status: 'sent' | 'rejected' | 'suppressed'; messageId?: string };

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export function parseEmailJob(body: string): EmailJob {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new PermanentEmailError('email job is not JSON');
  }
  const parsed = jobSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PermanentEmailError(
      `malformed email job: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    );
  }
  return parsed.data;
}

/** The recipient and data, opened with the job id as context; a job we did not seal never opens. */
async function openEmailJob(job: EmailJob): Promise<EmailContent> {
  const opened = await unseal(job.sealed, job.id);
  const content = opened === undefined ? undefined : contentSchema.safeParse(parseJson(opened));
  if (!content?.success) throw new PermanentEmailError(`email job ${job.id} cannot be opened`);
  return content.data;
}

export async function processEmailJob(job: EmailJob): Promise<JobResult> {
  const { to, data } = await openEmailJob(job);
  const tenantId = tenantIdOf(job.client_id, job.site_id);
  const tenant = await getTenantById(tenantId);
  if (tenant?.status !== 'active')
    throw new PermanentEmailError(`email job ${job.id} names no active tenant`);
  if (await isAddressSuppressed(tenantId, to)) {
    logger.warn('email not sent: recipient suppressed', {
      job_id: job.id,
      template: job.template,
      tenant: tenantId,
    });
    return { status: 'suppressed' };
  }
  const { email } = emailSettings(tenant);
  const rendered =
    job.template === CUSTOM_TEMPLATE
      ? (() => {
          const custom = customData.safeParse(data);
          if (!custom.success) throw new PermanentEmailError(`invalid custom email in job ${job.id}`);
          return customEmail(custom.data.subject, custom.data.text, custom.data.html);
        })()
      : renderEmail(job.template, data, { productName: productNameOf(tenant) });
  const outcome = await sendEmail(email.from ?? emailConfig().from, to, rendered, email.reply_to);
  if (outcome.status === 'rejected') {
    await suppressAddress(tenantId, to, outcome.reason);
    logger.warn('email rejected permanently; recipient suppressed', { job_id: job.id, tenant: tenantId });
    return { status: 'rejected' };
  }
  logger.info('email sent', {
    job_id: job.id,
    template: job.template,
    tenant: tenantId,
    ses_message_id: outcome.messageId,
  });
  return { status: 'sent', messageId: outcome.messageId };
}
