// Renders the email templates (nunjucks, embedded in the bundle): HTML autoescaped, text verbatim, subject from the text.
import * as z from 'zod';
import { embeddedEnvironment } from '../core/templating';
import { TEMPLATES } from './templates.generated';

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

export type EmailTemplateName = keyof typeof EMAIL_TEMPLATES;
export const isEmailTemplate = (name: string): name is EmailTemplateName =>
  Object.hasOwn(EMAIL_TEMPLATES, name);

export type RenderedEmail = { subject: string; text: string; html: string };

// Two environments: HTML escapes every value (autoescape), text must not (it would mangle & in links).
const htmlEnv = embeddedEnvironment(TEMPLATES);
const textEnv = embeddedEnvironment(TEMPLATES, { autoescape: false });

/** Renders `template` for a site; throws PermanentEmailError when the template or its data is invalid. */
export function renderEmail(
  template: string,
  data: unknown,
  branding: { productName: string },
): RenderedEmail {
  if (!isEmailTemplate(template)) throw new PermanentEmailError(`unknown email template "${template}"`);
  const parsed = EMAIL_TEMPLATES[template].safeParse(data);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ');
    throw new PermanentEmailError(`invalid data for template "${template}": ${fields}`);
  }
  const context = { ...parsed.data, product_name: branding.productName };
  const rendered = textEnv.render(`${template}.txt.njk`, context);
  const [first = '', ...rest] = rendered.split('\n');
  const subjectMatch = /^Subject: (.*)$/.exec(first);
  if (!subjectMatch)
    throw new PermanentEmailError(`template ${template}.txt.njk must start with "Subject: "`);
  // One line, whatever the data held.
  const subject = (subjectMatch[1] as string)
    .replace(/[\r\n]+/g, ' ')
    .trim()
    .slice(0, 200);
  const body = rest.join('\n').replace(/^\n+/, '');
  return { subject, text: body, html: htmlEnv.render(`${template}.html.njk`, { ...context, subject }) };
}

/** Plain content a tenant sends through POST /email/send, wrapped in nothing but a subject line check. */
export function customEmail(subject: string, text: string, html?: string): RenderedEmail {
  const safeSubject = subject.replace(/[\r\n]+/g, ' ').trim();
  const escapedText = htmlEnv.renderString(
    '<pre style="white-space:pre-wrap;font-family:inherit">{{ t }}</pre>',
    { t: text },
  );
  return { subject: safeSubject, text, html: html ?? escapedText };
}
