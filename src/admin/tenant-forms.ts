// Reads and checks the console's site forms; every problem becomes a field message for the re-rendered form.
import * as z from 'zod';
import { MFA_POLICIES } from '../auth';
import type { Tenant } from '../core/db/tenants';
import { sitePageUrl } from '../core/tenant-settings';
import { emailConfig, isAllowedSender } from '../email';
import { MAX_ENVELOPE_BYTES, secretSettings, TTL_LIMITS, ttlBounds } from '../secrets';

const id = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, _ or -');
const origin = z
  .string()
  .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be an origin like https://app.example.com');
const optionalUrl = z
  .string()
  .refine(
    (url) => url === '' || sitePageUrl.safeParse(url).success,
    'must be an https URL (http only for localhost)',
  );

const minutes = z.coerce
  .number()
  .int()
  .min(TTL_LIMITS.min / 60, `at least ${TTL_LIMITS.min / 60}`)
  .max(TTL_LIMITS.max / 60, `at most ${TTL_LIMITS.max / 60}`);

const rateField = (max: number) =>
  z.union([z.literal(''), z.coerce.number().int().min(1, 'at least 1').max(max, `at most ${max}`)]);

const siteFields = z
  .object({
    name: z.string().trim().min(1, 'is required').max(100, 'is too long'),
    allowed_origins: z.array(origin).max(20, 'at most 20 origins'),
    reset_url: optionalUrl,
    verify_url: optionalUrl,
    email_from: z
      .string()
      .trim()
      .max(320)
      .refine((from) => from === '' || isAllowedSender(from), {
        error: () => `must be an address at ${emailConfig().senderIdentity ?? 'a verified identity'}`,
      }),
    product_name: z.string().trim().max(100),
    password_min_length: z.coerce.number().int().min(8, 'at least 8').max(64, 'at most 64'),
    max_failures: z.coerce.number().int().min(1, 'at least 1').max(50, 'at most 50'),
    status: z.enum(['active', 'disabled']),
    mfa: z.enum(MFA_POLICIES, 'choose one of the listed policies'),
    mfa_sms_per_hour: z.coerce.number().int().min(1, 'at least 1').max(100_000, 'at most 100000'),
    secrets_ttl_min_minutes: minutes,
    secrets_ttl_default_minutes: minutes,
    secrets_ttl_max_minutes: minutes,
    secrets_max_kib: z.coerce
      .number()
      .int()
      .min(1, 'at least 1')
      .max(MAX_ENVELOPE_BYTES / 1024, `at most ${MAX_ENVELOPE_BYTES / 1024}`),
    rate_auth_rpm: rateField(1_000_000),
    rate_auth_burst: rateField(100_000),
    rate_send_rpm: rateField(1_000_000),
    rate_send_burst: rateField(100_000),
  })
  .superRefine((f, ctx) => {
    if (f.secrets_ttl_min_minutes > f.secrets_ttl_max_minutes) {
      ctx.addIssue({
        code: 'custom',
        path: ['secrets_ttl_max_minutes'],
        message: 'must be at least the shortest',
      });
    } else if (
      f.secrets_ttl_default_minutes < f.secrets_ttl_min_minutes ||
      f.secrets_ttl_default_minutes > f.secrets_ttl_max_minutes
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['secrets_ttl_default_minutes'],
        message: 'must be between the shortest and longest',
      });
    }
  });

export type FieldErrors = Record<string, string>;

/** The form's rate-limit fields: the site's own budget, or empty for the deployment's (rate-classes.ts). */
const RATE_FIELDS = [
  ['rate_auth_rpm', 'auth', 'per_minute'],
  ['rate_auth_burst', 'auth', 'burst'],
  ['rate_send_rpm', 'send', 'per_minute'],
  ['rate_send_burst', 'send', 'burst'],
] as const;

/** The stored (loosely typed) settings object, as far as these forms touch it. */
type StoredSettings = Record<string, unknown> & {
  reset_url?: string;
  verify_url?: string;
  cookie_mode?: boolean;
  magic_links?: boolean;
  require_verified_email?: boolean;
  duplicate_email?: string;
  password_min_length?: number;
  mfa?: string;
  mfa_sms_per_hour?: number;
  lockout?: Record<string, unknown> & { max_failures?: number };
  rate_limits?: Record<string, Record<string, number>>;
  email?: Record<string, unknown> & { from?: string; product_name?: string };
  secrets?: Record<string, unknown> & {
    enabled?: boolean;
    ttl_min_seconds?: number;
    ttl_default_seconds?: number;
    ttl_max_seconds?: number;
    max_bytes?: number;
    server_open?: boolean;
    plaintext_send?: boolean;
  };
};

const splitOrigins = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);

function errorsOf(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) errors[String(issue.path[0])] ??= issue.message;
  return errors;
}

/** The site as edited: settings the form does not show are kept as they were. */
export function tenantFromForm(
  field: (name: string) => string,
  base: Tenant,
): { tenant: Tenant; errors?: undefined } | { tenant?: undefined; errors: FieldErrors } {
  const parsed = siteFields.safeParse({
    name: field('name'),
    allowed_origins: splitOrigins(field('allowed_origins')),
    reset_url: field('reset_url').trim(),
    verify_url: field('verify_url').trim(),
    email_from: field('email_from'),
    product_name: field('product_name'),
    password_min_length: field('password_min_length') || '8',
    max_failures: field('max_failures') || '5',
    status: field('status') || 'active',
    mfa: field('mfa') || 'optional',
    mfa_sms_per_hour: field('mfa_sms_per_hour') || '300',
    secrets_ttl_min_minutes: field('secrets_ttl_min_minutes') || String(TTL_LIMITS.min / 60),
    secrets_ttl_default_minutes: field('secrets_ttl_default_minutes') || String(TTL_LIMITS.default / 60),
    secrets_ttl_max_minutes: field('secrets_ttl_max_minutes') || String(TTL_LIMITS.max / 60),
    secrets_max_kib: field('secrets_max_kib') || String(MAX_ENVELOPE_BYTES / 1024),
    ...Object.fromEntries(RATE_FIELDS.map(([name]) => [name, field(name).trim()])),
  });
  if (!parsed.success) return { errors: errorsOf(parsed.error) };
  const f = parsed.data;
  const settings: StoredSettings = { ...base.settings };
  const setOrDrop = (obj: Record<string, unknown>, key: string, value: unknown) => {
    if (value === '' || value === undefined) delete obj[key];
    else obj[key] = value;
  };
  setOrDrop(settings, 'reset_url', f.reset_url);
  setOrDrop(settings, 'verify_url', f.verify_url);
  settings.cookie_mode = field('cookie_mode') === 'on';
  settings.magic_links = field('magic_links') === 'on';
  settings.require_verified_email = field('require_verified_email') === 'on';
  settings.duplicate_email = field('duplicate_email') === 'conflict' ? 'conflict' : 'conceal';
  settings.password_min_length = f.password_min_length;
  settings.mfa = f.mfa;
  settings.mfa_sms_per_hour = f.mfa_sms_per_hour;
  settings.lockout = { ...(settings.lockout ?? {}), max_failures: f.max_failures };
  const email = { ...(settings.email ?? {}) };
  setOrDrop(email, 'from', f.email_from);
  setOrDrop(email, 'product_name', f.product_name);
  settings.email = email;
  settings.secrets = {
    ...(settings.secrets ?? {}),
    enabled: field('secrets_enabled') === 'on',
    server_open: field('secrets_server_open') === 'on',
    plaintext_send: field('secrets_plaintext_send') === 'on',
    ttl_min_seconds: f.secrets_ttl_min_minutes * 60,
    ttl_default_seconds: f.secrets_ttl_default_minutes * 60,
    ttl_max_seconds: f.secrets_ttl_max_minutes * 60,
    max_bytes: f.secrets_max_kib * 1024,
  };
  const rates: Record<string, Record<string, number>> = {};
  for (const [name, rateClass, key] of RATE_FIELDS) {
    const value = f[name];
    if (value !== '') rates[rateClass] = { ...rates[rateClass], [key]: value };
  }
  settings.rate_limits = { ...(settings.rate_limits ?? {}), auth: rates.auth ?? {}, send: rates.send ?? {} };
  return {
    tenant: {
      ...base,
      name: f.name,
      allowedOrigins: [...new Set(f.allowed_origins)],
      status: f.status,
      settings,
    },
  };
}

export function newTenantIds(
  field: (name: string) => string,
): { clientId: string; siteId: string } | { errors: FieldErrors } {
  const parsed = z
    .object({ client_id: id, site_id: id })
    .safeParse({ client_id: field('client_id'), site_id: field('site_id') });
  return parsed.success
    ? { clientId: parsed.data.client_id, siteId: parsed.data.site_id }
    : { errors: errorsOf(parsed.error) };
}

/** What the edit form shows for a site. */
export function formValues(t: Tenant) {
  const s = t.settings as StoredSettings;
  return {
    name: t.name,
    allowed_origins: t.allowedOrigins.join('\n'),
    reset_url: s.reset_url ?? '',
    verify_url: s.verify_url ?? '',
    cookie_mode: s.cookie_mode === true,
    magic_links: s.magic_links === true,
    require_verified_email: s.require_verified_email === true,
    duplicate_email: s.duplicate_email ?? 'conceal',
    password_min_length: s.password_min_length ?? 8,
    max_failures: s.lockout?.max_failures ?? 5,
    mfa: s.mfa ?? 'optional',
    mfa_sms_per_hour: s.mfa_sms_per_hour ?? 300,
    email_from: s.email?.from ?? '',
    product_name: s.email?.product_name ?? '',
    status: t.status,
    ...Object.fromEntries(
      RATE_FIELDS.map(([name, rateClass, key]) => [name, s.rate_limits?.[rateClass]?.[key] ?? '']),
    ),
    ...secretValues(t),
  };
}

/** The secret-message settings as the form shows them (minutes, KiB), from what is in force. */
function secretValues(t: Tenant) {
  const s = secretSettings(t).secrets;
  const bounds = ttlBounds(t);
  return {
    secrets_enabled: s.enabled,
    secrets_server_open: s.server_open,
    secrets_plaintext_send: s.plaintext_send,
    secrets_ttl_min_minutes: bounds.min / 60,
    secrets_ttl_default_minutes: bounds.default / 60,
    secrets_ttl_max_minutes: bounds.max / 60,
    secrets_max_kib: Math.floor(s.max_bytes / 1024),
  };
}
