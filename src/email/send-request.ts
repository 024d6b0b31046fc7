// POST /email/send for a tenant's own services: validate, rate limit per tenant, queue one job per recipient.

import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { audit, type RequestMeta } from '../core/audit';
import type { Tenant } from '../core/db/tenants';
import { ServiceUnavailableError, TooManyRequestsError, ValidationError } from '../core/errors';
import { logger } from '../core/log';
import { takeRateLimits } from '../core/rate-limit';
import { CUSTOM_TEMPLATE, EMAIL_TEMPLATES, isEmailTemplate } from './contracts';
import { enqueueEmails } from './jobs';
import { emailSettings } from './settings';

export const MAX_RECIPIENTS = 10;

const address = z.string().trim().toLowerCase().max(254).email({ error: 'must be a valid email address' });

export const sendEmailBody = z
  .object({
    to: z.union([
      address,
      z.array(address).min(1).max(MAX_RECIPIENTS, `at most ${MAX_RECIPIENTS} recipients`),
    ]),
    template: z
      .string()
      .max(64)
      .optional()
      .describe(`One of: ${Object.keys(EMAIL_TEMPLATES).join(', ')}`),
    data: z.record(z.string(), z.unknown()).optional(),
    subject: z.string().trim().min(1).max(200).optional(),
    text: z.string().min(1).max(100_000).optional(),
    html: z.string().max(200_000).optional(),
  })
  .refine((b) => (b.template === undefined) !== (b.subject === undefined && b.text === undefined), {
    message: 'give either template (+ data) or subject and text (+ html)',
    path: ['template'],
  })
  .refine((b) => b.template !== undefined || (b.subject !== undefined && b.text !== undefined), {
    message: 'subject and text are both required without a template',
    path: ['subject'],
  });

export type SendEmailRequest = z.output<typeof sendEmailBody>;

export async function queueTenantEmails(tenant: Tenant, body: SendEmailRequest, meta: RequestMeta) {
  const recipients = [...new Set(Array.isArray(body.to) ? body.to : [body.to])];
  const job = jobContent(body);
  await takeFromHourlyBudget(tenant, recipients.length);
  const id = randomUUID();
  let jobIds: string[];
  try {
    jobIds = await enqueueEmails(
      recipients.map((to) => ({ client_id: tenant.clientId, site_id: tenant.siteId, to, ...job })),
    );
  } catch (error) {
    logger.error('email send request not queued', { error: error as Error });
    throw new ServiceUnavailableError('Email could not be queued; try again');
  }
  const messages = recipients.map((to, i) => ({ to, id: jobIds[i] as string }));
  await audit(meta, {
    tenantId: tenant.id,
    event: 'email_send_request',
    outcome: 'success',
    detail: { request_id: id, recipients: recipients.length, template: job.template },
  });
  return { id, messages };
}

/** The job's template and data, checked now so the caller gets a 422 instead of a silent DLQ entry. */
function jobContent(body: SendEmailRequest): { template: string; data: Record<string, unknown> } {
  if (body.template === undefined) {
    return { template: CUSTOM_TEMPLATE, data: { subject: body.subject, text: body.text, html: body.html } };
  }
  if (!isEmailTemplate(body.template)) {
    throw new ValidationError([
      {
        field: 'template',
        message: `unknown template; use one of ${Object.keys(EMAIL_TEMPLATES).join(', ')}`,
      },
    ]);
  }
  const data = EMAIL_TEMPLATES[body.template].safeParse(body.data ?? {});
  if (!data.success) {
    throw new ValidationError(
      data.error.issues.map((i) => ({ field: ['data', ...i.path].join('.'), message: i.message })),
    );
  }
  return { template: body.template, data: data.data as Record<string, unknown> };
}

/** Each recipient spends one unit of the tenant's hourly budget; a request that does not fit is refused whole. */
async function takeFromHourlyBudget(tenant: Tenant, recipients: number): Promise<void> {
  const max = emailSettings(tenant).email.send_per_hour;
  const taken = await takeRateLimits(tenant, [
    { limit: { name: 'email-send', max, windowSeconds: 3_600 }, subject: 'all', units: recipients },
  ]);
  if (!taken.allowed) {
    throw new TooManyRequestsError(
      taken.retryAfter,
      `This site may send ${max} emails per hour`,
      'rate_limited',
    );
  }
}
