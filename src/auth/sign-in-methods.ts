// Which ways in a site offers besides the password (magic links are in siteSettings): Google and GitHub, each
// with the site's own OAuth client (its secret lives in Secrets Manager, never here: S46), and passkeys as a first
// factor, a second factor, or both. Read on every sign-in, so kept to a small schema.
import * as z from 'zod';
import type { Provider } from '../core/db/identities';
import type { Tenant } from '../core/db/tenants';
import type { User } from '../core/db/users';
import { nested, tenantSettings } from '../core/tenant-settings';

export const PROVIDER_NAMES = ['google', 'github'] as const satisfies readonly Provider[];
export const PROVIDER_LABELS: Record<Provider, string> = { google: 'Google', github: 'GitHub' };

/** An OAuth client id as the providers issue them: printable, no spaces. */
export const clientIdSchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,200}$/, 'must be the client id the provider issued');

const provider = nested({
  enabled: z.boolean().catch(false),
  client_id: clientIdSchema.optional().catch(undefined),
});

export const signInMethods = tenantSettings({
  oauth: nested({
    google: provider,
    github: provider,
    /**
     * A provider account whose verified email is an existing account's address signs in to that account. Off: the
     * user must prove the account first (password, or signed in), so a provider account cannot take it over.
     */
    link_verified_emails: z.boolean().catch(false),
  }),
  passkeys: nested({
    enabled: z.boolean().catch(false),
    /** The WebAuthn RP ID: a registrable domain the site's origins share; the first origin's host when absent. */
    rp_id: z
      .string()
      .regex(/^[a-z0-9.-]{1,253}$/)
      .optional()
      .catch(undefined),
    first_factor: z.boolean().catch(true),
    second_factor: z.boolean().catch(true),
  }),
});

/** The provider's client id where the site offers it (enabled and configured). */
export function enabledClientId(tenant: Tenant, name: Provider): string | undefined {
  const p = signInMethods(tenant).oauth[name];
  return p.enabled ? p.client_id : undefined;
}

export const enabledProviders = (tenant: Tenant): Provider[] =>
  PROVIDER_NAMES.filter((name) => enabledClientId(tenant, name) !== undefined);

export const passkeysFirstFactor = (tenant: Tenant) => {
  const { enabled, first_factor } = signInMethods(tenant).passkeys;
  return enabled && first_factor;
};

/** Whether this user's passkeys stand as a second factor here (S22 after a password, a link or a provider). */
export const passkeySecondFactor = (tenant: Tenant, user: User) => {
  const { enabled, second_factor } = signInMethods(tenant).passkeys;
  return enabled && second_factor && user.passkeyCount > 0;
};
