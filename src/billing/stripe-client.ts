// The `stripe` SDK for one site's account, loaded only by the billing routes and functions that call Stripe (never
// on the /auth cold path), pointed at STRIPE_API_URL (api.stripe.com, or the local fake). A site's secrets are read
// at most once a minute per container: a flood of requests costs no Secrets Manager call each, and a rotated key is
// in use within the minute. Stripe's failures become our errors: an outage is a 503 to retry, never a 500.
import type Stripe from 'stripe';
import type { Tenant } from '../core/db/tenants';
import { AppError } from '../core/errors';
import { createTtlCache } from '../core/ttl-cache';
import { billingConfig } from './config';
import { STRIPE_SECRET_KEY, stripeSecrets } from './stripe-account';

export type StripeClient = Stripe;

let stripeModule: Promise<typeof import('stripe')> | undefined;
/** The SDK module, imported on first use. */
export async function stripeSdk(): Promise<typeof Stripe> {
  stripeModule ??= import('stripe');
  return (await stripeModule).default;
}

const secrets = createTtlCache<string | undefined>({ maxEntries: 1_000 });
/** A site's Stripe secret (`secret-key` or `webhook-secret`), cached for a minute. */
export async function stripeSecret(tenantId: string, name: string): Promise<string | undefined> {
  const hit = secrets.get(`${tenantId}|${name}`);
  if (hit) return hit.value;
  const value = await stripeSecrets.read(tenantId, name);
  secrets.set(`${tenantId}|${name}`, value, 60_000);
  return value;
}

export class BillingNotConfigured extends AppError {
  constructor() {
    super(409, 'billing_not_configured', 'This site has no Stripe account set up');
  }
}

// One client per key and container: its keep-alive connections to Stripe outlive a request.
const clients = new Map<string, StripeClient>();

/** The site's Stripe client; 409 billing_not_configured when the site has no secret key. */
export async function stripeFor(tenant: Tenant): Promise<StripeClient> {
  const key = await stripeSecret(tenant.id, STRIPE_SECRET_KEY);
  if (!key) throw new BillingNotConfigured();
  const known = clients.get(key);
  if (known) return known;
  const Sdk = await stripeSdk();
  const api = new URL(billingConfig().stripeApiUrl);
  // A rotated key gets a client of its own; the oldest go first, so the map stays as small as the sites in use.
  if (clients.size >= 200) clients.delete(clients.keys().next().value as string);
  const client = new Sdk(key, {
    host: api.hostname,
    port: api.port || (api.protocol === 'https:' ? 443 : 80),
    protocol: api.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 2,
    timeout: 8_000,
    telemetry: false,
    appInfo: { name: 'lambdalith' },
  });
  clients.set(key, client);
  return client;
}

type StripeErrorLike = {
  type?: string;
  statusCode?: number;
  code?: string;
  param?: string;
  message?: string;
};
const isStripeError = (e: unknown): e is StripeErrorLike =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as StripeErrorLike).type === 'string' &&
  (e as StripeErrorLike).type?.startsWith('Stripe') === true;

/** Stripe said the object is not there (in this account). */
export const isMissing = (e: unknown) => isStripeError(e) && e.code === 'resource_missing';

/**
 * Calls Stripe, turning its failures into answers: a request it refuses is a 422 with its message (a bad refund
 * amount, a price that is not the site's), a wrong key a 502 the operator must fix, anything else a 503 to retry.
 */
export async function callStripe<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isStripeError(error)) throw error;
    if (error.type === 'StripeInvalidRequestError' || error.type === 'StripeCardError') {
      throw new AppError(422, 'payment_provider_refused', error.message ?? 'Stripe refused the request', {
        provider_code: error.code,
      });
    }
    if (error.type === 'StripeAuthenticationError' || error.type === 'StripePermissionError') {
      throw new AppError(502, 'payment_provider_misconfigured', "Stripe refused this site's secret key");
    }
    throw new AppError(
      503,
      'payment_provider_unavailable',
      'Stripe did not answer; try again shortly',
      {},
      {
        'retry-after': '5',
      },
    );
  }
}
