// The console's "Sign-in methods" form for a site: Google and GitHub (client id here, client secret written to
// Secrets Manager and never shown again, S46), whether verified provider emails may link to existing accounts, and
// passkeys as a first factor, a second factor, or both.

import { clientIdSchema, PROVIDER_LABELS, PROVIDER_NAMES, signInMethods } from '../auth';
import type { Provider } from '../core/db/identities';
import type { Tenant } from '../core/db/tenants';
import { httpConfig } from '../http-config';
import type { FieldErrors } from './tenant-forms';

/** Client secrets as the providers issue them: printable, no spaces. */
const CLIENT_SECRET = /^[\x21-\x7e]{8,500}$/;

/** What the form shows: the settings in force, whether each secret is set, and the callback URL to register. */
export function signInValues(tenant: Tenant, secretsSet: Record<Provider, boolean>) {
  const s = signInMethods(tenant);
  const base = httpConfig().publicBaseUrl ?? '';
  return {
    providers: PROVIDER_NAMES.map((name) => ({
      name,
      label: PROVIDER_LABELS[name],
      enabled: s.oauth[name].enabled,
      client_id: s.oauth[name].client_id ?? '',
      secret_set: secretsSet[name],
      callback_url: `${base}/auth/oauth/${name}/callback`,
    })),
    link_verified_emails: s.oauth.link_verified_emails,
    passkeys: s.passkeys,
  };
}

/** The site with the form's settings, and the secrets to store; or the errors to show. */
export function signInFromForm(
  field: (name: string) => string,
  tenant: Tenant,
  secretsSet: Record<Provider, boolean>,
):
  | { tenant: Tenant; secrets: Partial<Record<Provider, string>>; errors?: undefined }
  | { errors: FieldErrors; tenant?: undefined } {
  const errors: FieldErrors = {};
  const secrets: Partial<Record<Provider, string>> = {};
  const oauth: Record<string, unknown> = { link_verified_emails: field('link_verified_emails') === 'on' };
  for (const name of PROVIDER_NAMES) {
    const enabled = field(`${name}_enabled`) === 'on';
    const clientId = field(`${name}_client_id`).trim();
    const secret = field(`${name}_client_secret`).trim();
    if (clientId && !clientIdSchema.safeParse(clientId).success) {
      errors[`${name}_client_id`] = 'the client id the provider issued (no spaces)';
    }
    if (secret && !CLIENT_SECRET.test(secret))
      errors[`${name}_client_secret`] = 'the client secret the provider issued';
    if (enabled && !clientId) errors[`${name}_client_id`] = `needed to offer ${PROVIDER_LABELS[name]}`;
    if (enabled && !secret && !secretsSet[name]) {
      errors[`${name}_client_secret`] = `needed to offer ${PROVIDER_LABELS[name]}`;
    }
    if (secret) secrets[name] = secret;
    oauth[name] = { enabled, ...(clientId ? { client_id: clientId } : {}) };
  }
  const passkeys = {
    enabled: field('passkeys_enabled') === 'on',
    first_factor: field('passkeys_first_factor') === 'on',
    second_factor: field('passkeys_second_factor') === 'on',
  };
  if (passkeys.enabled && !passkeys.first_factor && !passkeys.second_factor) {
    errors.passkeys_enabled = 'choose first factor, second factor, or both';
  }
  if (Object.keys(errors).length) return { errors };
  return { tenant: { ...tenant, settings: { ...tenant.settings, oauth, passkeys } }, secrets };
}
