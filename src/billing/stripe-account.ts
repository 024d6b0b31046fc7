// A site's own Stripe account (issue 18): its secret key and webhook signing secret in Secrets Manager, write-only in
// the console (S46), with the currency balances are kept in, whether they may go below zero, and the price ids the
// site sells. The console's Billing form for a site reads and writes it here.

import type { Tenant } from '../core/db/tenants';
import { siteSecrets } from '../core/site-secrets';
import { httpConfig } from '../http-config';
import { billingConfig } from './config';
import { billingSettings } from './settings';

export const stripeSecrets = siteSecrets(() => billingConfig().secretPrefix);
export const STRIPE_SECRET_KEY = 'secret-key';
export const STRIPE_WEBHOOK_SECRET = 'webhook-secret';

const SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9]{10,200}$/;
const WEBHOOK_SECRET = /^whsec_[A-Za-z0-9+/=]{10,200}$/;
const PRICE_ID = /^price_[A-Za-z0-9]{4,100}$/;

export type StripeAccountErrors = Record<string, string>;

/** What the form shows: the settings in force, whether each secret is set, and the webhook URL to register. */
export async function stripeAccountValues(tenant: Tenant) {
  const { billing } = billingSettings(tenant);
  const [keySet, webhookSet] = await Promise.all([
    stripeSecrets.has(tenant.id, STRIPE_SECRET_KEY),
    stripeSecrets.has(tenant.id, STRIPE_WEBHOOK_SECRET),
  ]);
  return {
    currency: billing.currency,
    allow_credit: billing.allow_credit,
    price_ids: billing.price_ids.join('\n'),
    secret_key_set: keySet,
    webhook_secret_set: webhookSet,
    webhook_url: `${httpConfig().publicBaseUrl ?? ''}/billing/webhook/${encodeURIComponent(tenant.clientId)}/${encodeURIComponent(tenant.siteId)}`,
  };
}

/** Saves the form: the secrets first (write-only), then the settings; or the field errors, with nothing saved. */
export async function saveStripeAccount(
  tenant: Tenant,
  field: (name: string) => string,
): Promise<{ tenant: Tenant; secretsReplaced: string[] } | { errors: StripeAccountErrors }> {
  const errors: StripeAccountErrors = {};
  const currency = field('currency').trim().toLowerCase();
  if (!/^[a-z]{3}$/.test(currency)) errors.currency = 'a three-letter ISO 4217 code, like usd or eur';
  const priceIds = field('price_ids')
    .split(/[\s,]+/)
    .filter(Boolean);
  if (priceIds.length > 20 || priceIds.some((p) => !PRICE_ID.test(p))) {
    errors.price_ids = 'up to 20 Stripe price ids (price_...), one per line';
  }
  const secretKey = field('stripe_secret_key').trim();
  if (secretKey && !SECRET_KEY.test(secretKey))
    errors.stripe_secret_key = 'a Stripe secret key (sk_live_... or sk_test_...)';
  const webhookSecret = field('stripe_webhook_secret').trim();
  if (webhookSecret && !WEBHOOK_SECRET.test(webhookSecret)) {
    errors.stripe_webhook_secret = "the endpoint's signing secret (whsec_...)";
  }
  if (Object.keys(errors).length) return { errors };
  const secretsReplaced: string[] = [];
  if (secretKey) {
    await stripeSecrets.save(tenant.id, secretKey, STRIPE_SECRET_KEY);
    secretsReplaced.push(STRIPE_SECRET_KEY);
  }
  if (webhookSecret) {
    await stripeSecrets.save(tenant.id, webhookSecret, STRIPE_WEBHOOK_SECRET);
    secretsReplaced.push(STRIPE_WEBHOOK_SECRET);
  }
  const settings = tenant.settings as Record<string, unknown>;
  const billing = { ...((settings.billing as Record<string, unknown>) ?? {}) };
  Object.assign(billing, { currency, allow_credit: field('allow_credit') === 'on', price_ids: priceIds });
  return { tenant: { ...tenant, settings: { ...settings, billing } }, secretsReplaced };
}
