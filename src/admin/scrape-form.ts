// The console's scrape job form: plain text fields (one URL, field or ignore rule per line) to a job definition
// and back, with errors keyed by form field, for the page to show beside each.
import { type JobInput, jobInput, type ScrapeJob } from '../scrape';
import type { FieldErrors } from './tenant-forms';

const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);

/** Where an issue at this path of the definition shows up on the form. */
function formFieldOf(path: PropertyKey[]): string {
  const [first, second] = path.map(String);
  if (first === 'schedule') return second === 'timezone' ? 'timezone' : 'schedule';
  if (first === 'notify') return second === 'webhook_url' ? 'webhook_url' : 'emails';
  return first ?? 'name';
}

export function jobFromForm(
  field: (name: string) => string,
): { input: JobInput; errors?: undefined } | { input?: undefined; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const fields = lines(field('fields')).map((line, i) => {
    const [name, selector, type, attribute] = line.split('|').map((part) => part.trim());
    if (!name || !selector || !type) errors.fields ??= `line ${i + 1}: write name | selector | type`;
    return { name, selector, type, ...(attribute ? { attribute } : {}) };
  });
  const ignore = lines(field('ignore')).map((line, i) => {
    const match = /^(selector|text|regex):\s*(.+)$/.exec(line);
    if (!match) errors.ignore ??= `line ${i + 1}: start with selector:, text: or regex:`;
    return match ? { [match[1] as string]: match[2] } : {};
  });
  const parsed = jobInput.safeParse({
    name: field('name'),
    urls: lines(field('urls')),
    schedule: { expression: field('schedule'), timezone: field('timezone') || 'UTC' },
    fields,
    ignore,
    notify: {
      emails: field('emails')
        .split(/[\s,]+/)
        .filter(Boolean),
      ...(field('webhook_url').trim() ? { webhook_url: field('webhook_url').trim() } : {}),
    },
    retention_days: Number(field('retention_days') || 30),
    failure_threshold: Number(field('failure_threshold') || 3),
    enabled: field('enabled') === 'on',
  });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const at = formFieldOf(issue.path);
      const where = ['fields', 'ignore', 'urls', 'emails'].includes(at) && typeof issue.path[1] === 'number';
      errors[at] ??= where
        ? `line ${(issue.path.at(at === 'emails' ? 2 : 1) as number) + 1}: ${issue.message}`
        : issue.message;
    }
  }
  if (Object.keys(errors).length > 0 || !parsed.success) return { errors };
  return { input: parsed.data };
}

/** A job (or nothing yet) as the form shows it; after a refused post, what was typed. */
export function formOf(job?: ScrapeJob | JobInput, typed?: (name: string) => string) {
  if (typed) {
    const names = ['name', 'urls', 'schedule', 'timezone', 'fields', 'ignore', 'emails', 'webhook_url'];
    return {
      ...Object.fromEntries(names.map((n) => [n, typed(n)])),
      retention_days: typed('retention_days'),
      failure_threshold: typed('failure_threshold'),
      enabled: typed('enabled') === 'on',
    };
  }
  return {
    name: job?.name ?? '',
    urls: job?.urls.join('\n') ?? '',
    schedule: job?.schedule.expression ?? 'rate(1 hour)',
    timezone: job?.schedule.timezone ?? 'UTC',
    fields: (job?.fields ?? [])
      .map((f) => [f.name, f.selector, f.type, f.attribute].filter(Boolean).join(' | '))
      .join('\n'),
    ignore: (job?.ignore ?? [])
      .map((rule) => Object.entries(rule).map(([k, v]) => `${k}: ${v}`)[0])
      .join('\n'),
    emails: job?.notify.emails.join('\n') ?? '',
    webhook_url: job?.notify.webhook_url ?? '',
    retention_days: String(job?.retention_days ?? 30),
    failure_threshold: String(job?.failure_threshold ?? 3),
    enabled: job?.enabled ?? true,
  };
}
