// A site's settings, stored loosely on the tenant and read through schemas with their documented defaults: a
// malformed stored value falls back to its default rather than failing. Each feature declares the settings it
// reads (tenantSettings); these are the ones the core and the sign-in flows share.
import * as z from 'zod';
import type { Tenant } from './db/tenants';
import { ValidationError } from './errors';

/** An integer setting within bounds, else its default. */
export const int = (min: number, max: number, fallback: number) =>
  z.number().int().min(min).max(max).catch(fallback);

/** A nested group of settings: missing or malformed, each of its fields takes its default. */
export const nested = <S extends z.ZodRawShape>(shape: S) =>
  z.preprocess((stored) => (typeof stored === 'object' && stored !== null ? stored : {}), z.object(shape));

/**
 * Declares the settings a feature reads. The reader parses only those keys (others are left to their features),
 * once per tenant object: the resolver's cached tenants make it once per container and site.
 */
export function tenantSettings<S extends z.ZodRawShape>(shape: S) {
  const schema = nested(shape);
  const parsed = new WeakMap<Tenant, z.output<z.ZodObject<S>>>();
  return (tenant: Tenant): z.output<z.ZodObject<S>> => {
    let values = parsed.get(tenant);
    if (!values) {
      values = schema.parse(tenant.settings ?? {}) as z.output<z.ZodObject<S>>;
      parsed.set(tenant, values);
    }
    return values;
  };
}

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

/**
 * A page of the site's own that a sign-in hands a token or code to (a sign-in link, an OAuth result): https (plain
 * http on this machine) and on one of the site's allowed origins; anything else is a 422 before any work.
 */
export const isSitePage = (tenant: Tenant, url: string) =>
  sitePageUrl.safeParse(url).success && tenant.allowedOrigins.includes(new URL(url).origin);

export function assertSitePage(tenant: Tenant, url: string, field = 'redirect_uri'): void {
  if (!isSitePage(tenant, url)) {
    throw new ValidationError([
      { field, message: "must be an https page on one of the site's allowed origins" },
    ]);
  }
}

export const siteSettings = tenantSettings({
  /** Seed "Option A": login also sets HttpOnly auth_token and refresh_token cookies. */
  cookie_mode: z.boolean().catch(false),
  /** Sign-in by an emailed single-use link (POST /auth/magic-link); off unless the site turns it on. */
  magic_links: z.boolean().catch(false),
  /** Where reset links point; the token is appended as ?token=. Never derived from the Host header (S20). */
  reset_url: sitePageUrl.optional().catch(undefined),
  /** Where verification links point (?token=); the hosted page when absent. */
  verify_url: sitePageUrl.optional().catch(undefined),
  /** 'conceal' answers a duplicate registration like a new one and emails the owner (S6); 'conflict' says 409. */
  duplicate_email: z.enum(['conceal', 'conflict']).catch('conceal'),
  /** S1: 8, or 15 for tenants without MFA that want NIST's stricter length. */
  password_min_length: int(8, 64, 8),
  lockout: nested({
    max_failures: int(1, 50, 5),
    window_seconds: int(60, 86_400, 900),
    /** Consecutive failures across windows before a long lock: far below 100 (S7). */
    hard_cap: int(5, 99, 20),
    hard_lock_seconds: int(300, 7 * 86_400, 86_400),
    ip_max_attempts: int(10, 10_000, 100),
  }),
  sessions: nested({
    idle_seconds: int(300, 90 * 86_400, 7 * 86_400),
    absolute_seconds: int(3_600, 365 * 86_400, 30 * 86_400),
    /** Live sessions per user; a new sign-in beyond it ends the oldest. */
    max_live: int(1, 100, 10),
  }),
  reset_token_ttl_seconds: int(900, 3_600, 1_800),
  /** Refuse sign-in until the email address is confirmed. */
  require_verified_email: z.boolean().catch(false),
  email: nested({
    /** The name emails and hosted pages use for the site; the tenant's name when absent. */
    product_name: z.string().min(1).max(100).optional().catch(undefined),
  }),
});

/** The name emails and hosted pages use for a site. */
export const productNameOf = (tenant: Tenant) => siteSettings(tenant).email.product_name ?? tenant.name;
