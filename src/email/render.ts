// Renders the email templates (nunjucks, embedded in the bundle): HTML autoescaped, text verbatim, subject from the text.
import { embeddedEnvironment } from '../core/templating';
import { EMAIL_TEMPLATES, isEmailTemplate, PermanentEmailError } from './contracts';
import { TEMPLATES } from './templates.generated';

export { CUSTOM_TEMPLATE, EMAIL_TEMPLATES, PermanentEmailError } from './contracts';

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
