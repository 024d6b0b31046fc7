// A tenant's settings with their documented defaults; stored loosely on the tenant, read through this schema.
import * as z from 'zod';
import { getConfig } from './config';
import type { Tenant } from './db/tenants';

export const MFA_POLICIES = ['off', 'optional', 'required', 'admins'] as const;

const int = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).catch(fallback);

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A page of the site's that emails link to (reset, verify): https, or plain http only on this machine, so a
 * link carrying a token never crosses a network in the clear.
 */
export const sitePageUrl = z.url({ protocol: /^https?$/, error: 'must be an https URL' }).refine((url) => {
  // Refinements run even when the url check failed: parse defensively.
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || LOOPBACK_HOSTS.has(hostname);
}, 'must be https (http only for localhost)');

/** The address in `Name <address>` or a bare address, lower-cased; undefined when there is none. */
const addressOf = (from: string) =>
  (
    /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(from)?.[1] ??
    (/^[^<>\s]+@[^<>\s]+$/.test(from.trim()) ? from.trim() : '')
  ).toLowerCase() || undefined;

/**
 * Whether a sender is one this deployment may send as: within its verified SES identity (that address, or any
 * address of that domain or its subdomains). Without a configured identity, anything well-formed.
 */
export function isAllowedSender(from: string, identity = getConfig().emailSenderIdentity): boolean {
  const address = addressOf(from);
  if (!address) return false;
  if (!identity) return true;
  if (identity.includes('@')) return address === identity;
  const domain = address.slice(address.lastIndexOf('@') + 1);
  return domain === identity || domain.endsWith(`.${identity}`);
}

export const tenantSettingsSchema = z.object({
  /** Seed "Option A": login also sets HttpOnly auth_token and refresh_token cookies. */
  cookie_mode: z.boolean().catch(false),
  /** Where reset links point; the token is appended as ?token=. Never derived from the Host header (S20). */
  reset_url: sitePageUrl.optional().catch(undefined),
  /** 'conceal' answers a duplicate registration like a new one and emails the owner (S6); 'conflict' says 409. */
  duplicate_email: z.enum(['conceal', 'conflict']).catch('conceal'),
  /** S1: 8, or 15 for tenants without MFA that want NIST's stricter length. */
  password_min_length: int(8, 64, 8),
  lockout: z
    .object({
      max_failures: int(1, 50, 5),
      window_seconds: int(60, 86_400, 900),
      /** Consecutive failures across windows before a long lock: far below 100 (S7). */
      hard_cap: int(5, 99, 20),
      hard_lock_seconds: int(300, 7 * 86_400, 86_400),
      ip_max_attempts: int(10, 10_000, 100),
    })
    .catch({
      max_failures: 5,
      window_seconds: 900,
      hard_cap: 20,
      hard_lock_seconds: 86_400,
      ip_max_attempts: 100,
    }),
  sessions: z
    .object({
      idle_seconds: int(300, 90 * 86_400, 7 * 86_400),
      absolute_seconds: int(3_600, 365 * 86_400, 30 * 86_400),
      /** Live sessions per user; a new sign-in beyond it ends the oldest. */
      max_live: int(1, 100, 10),
    })
    .catch({ idle_seconds: 7 * 86_400, absolute_seconds: 30 * 86_400, max_live: 10 }),
  reset_token_ttl_seconds: int(900, 3_600, 1_800),
  /** Where verification links point (?token=); the hosted page when absent. */
  verify_url: sitePageUrl.optional().catch(undefined),
  /**
   * Two-factor policy. off: no new enrollment (factors users already have still apply); optional: users choose;
   * required: everyone must enroll at their next sign-in; admins: users with an admin role must.
   */
  mfa: z.enum(MFA_POLICIES).catch('optional'),
  /** S25: SMS codes this site may send per hour, across all its users (cost and toll-fraud cap). */
  mfa_sms_per_hour: int(1, 100_000, 300),
  /** Refuse sign-in until the email address is confirmed. */
  require_verified_email: z.boolean().catch(false),
  email: z
    .object({
      /** Sender, e.g. "Acme <no-reply@acme.example>"; must be within a verified SES identity. */
      from: z
        .string()
        .min(3)
        .max(320)
        .refine((from) => isAllowedSender(from))
        .optional()
        .catch(undefined),
      reply_to: z.email().optional().catch(undefined),
      /** The name emails use for the site; the tenant's name when absent. */
      product_name: z.string().min(1).max(100).optional().catch(undefined),
      /** POST /email/send budget per hour. */
      send_per_hour: int(1, 100_000, 200),
    })
    .catch({ send_per_hour: 200 }),
});

export type TenantSettingsValues = z.infer<typeof tenantSettingsSchema>;

/** Settings with defaults filled in; a malformed stored value falls back to its default rather than failing. */
export function settingsOf(tenant: Tenant): TenantSettingsValues {
  return tenantSettingsSchema.parse(withObjectDefaults(tenant.settings ?? {}));
}

// Nested objects must exist for their fields' defaults to apply.
function withObjectDefaults(stored: Record<string, unknown>): Record<string, unknown> {
  const lockout = typeof stored.lockout === 'object' && stored.lockout ? stored.lockout : {};
  const sessions = typeof stored.sessions === 'object' && stored.sessions ? stored.sessions : {};
  const email = typeof stored.email === 'object' && stored.email ? stored.email : {};
  return { ...stored, lockout, sessions, email };
}

/** The name emails and hosted pages use for a site. */
export const productNameOf = (tenant: Tenant) => settingsOf(tenant).email.product_name ?? tenant.name;
