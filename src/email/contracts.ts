// What an email job may carry: the template names and each one's data. No rendering here, so the HTTP app can
// validate POST /email/send without loading the template engine.
import * as z from 'zod';

/** A job that can never succeed (unknown template, bad data): it must not be retried as if SES were down. */
export class PermanentEmailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentEmailError';
  }
}

const link = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const text = (max = 200) => z.string().max(max);

/** Each template's data contract; what the API and other features put in a job's `data`. */
export const EMAIL_TEMPLATES = {
  welcome: z.object({ name: text().optional(), login_url: link.optional() }),
  email_verification: z.object({
    name: text().optional(),
    verify_url: link,
    expires_hours: z.number().int().positive(),
  }),
  password_reset: z.object({
    name: text().optional(),
    reset_url: link,
    expires_minutes: z.number().int().positive(),
  }),
  magic_link: z.object({
    name: text().optional(),
    login_url: link,
    expires_minutes: z.number().int().positive(),
  }),
  password_changed: z.object({ name: text().optional(), changed_at: text(), reset_url: link.nullish() }),
  existing_account: z.object({ reset_url: link.nullish() }),
  mfa_code: z.object({ code: z.string().regex(/^\d{6,10}$/), expires_minutes: z.number().int().positive() }),
  notification: z.object({
    title: text(150),
    message: text(10_000),
    action_url: link.optional(),
    action_label: text(60).optional(),
  }),
} as const;

/** Content a tenant supplies itself (POST /email/send without a template). */
export const CUSTOM_TEMPLATE = 'custom';

export type EmailTemplateName = keyof typeof EMAIL_TEMPLATES;
export const isEmailTemplate = (name: string): name is EmailTemplateName =>
  Object.hasOwn(EMAIL_TEMPLATES, name);
