// A user starts paying: POST /billing/checkout opens a Stripe Checkout Session (a top-up of `amount`, or one of the
// site's prices: a one-time price is a payment, a recurring one a subscription), POST /billing/portal a Customer
// Portal session. Both make the user's Stripe customer first when they have none. The pages Stripe sends the user
// back to must be the site's own (allowed origins, https). Nothing is credited here: only the signed webhook does.
import * as z from 'zod';
import type { Tenant } from '../core/db/tenants';
import { getUser } from '../core/db/users';
import { NotFoundError, ValidationError } from '../core/errors';
import { assertSitePage } from '../core/tenant-settings';
import { withCustomer } from './customers';
import { billingSettings } from './settings';
import { callStripe, stripeFor } from './stripe-client';

// Stripe's own bounds for a card payment in most currencies: 0.50 to 999,999.99.
export const MIN_TOP_UP = 50;
export const MAX_TOP_UP = 99_999_999;

const siteUrl = z.string().trim().min(1).max(2_000);
export const checkoutBody = z
  .object({
    amount: z.number().int().min(MIN_TOP_UP).max(MAX_TOP_UP).optional().describe('A top-up, in minor units'),
    price_id: z
      .string()
      .regex(/^price_[A-Za-z0-9]{4,100}$/)
      .optional()
      .describe("One of the site's prices (a recurring one subscribes)"),
    success_url: siteUrl.describe(
      "The site's page to return to after paying ({CHECKOUT_SESSION_ID} allowed)",
    ),
    cancel_url: siteUrl.describe("The site's page to return to when the user gives up"),
  })
  .strict()
  .refine((b) => (b.amount === undefined) !== (b.price_id === undefined), {
    message: 'either amount or price_id, not both',
    path: ['amount'],
  });
export const portalBody = z
  .object({ return_url: siteUrl.optional().describe("The site's page the portal links back to") })
  .strict();

async function siteUser(tenant: Tenant, userId: string) {
  const user = await getUser(userId);
  if (!user || user.tenantId !== tenant.id)
    throw new NotFoundError('No such user on this site', 'user_not_found');
  return user;
}

const checkoutUrl = (url: string) => url.replace('{CHECKOUT_SESSION_ID}', 'cs_x');

export async function startCheckout(tenant: Tenant, userId: string, body: z.output<typeof checkoutBody>) {
  assertSitePage(tenant, checkoutUrl(body.success_url), 'success_url');
  assertSitePage(tenant, checkoutUrl(body.cancel_url), 'cancel_url');
  const { currency, price_ids } = billingSettings(tenant).billing;
  if (body.price_id && !price_ids.includes(body.price_id)) {
    throw new ValidationError([{ field: 'price_id', message: "not one of the site's prices" }]);
  }
  const stripe = await stripeFor(tenant);
  const user = await siteUser(tenant, userId);
  const metadata = { user_id: userId };
  let mode: 'payment' | 'subscription' = 'payment';
  let lineItem: { price: string; quantity: 1 } | { price_data: object; quantity: 1 };
  if (body.price_id) {
    const priceId = body.price_id;
    const price = await callStripe(() => stripe.prices.retrieve(priceId));
    // Balances are kept in one currency: a price in another would credit the wrong amount.
    if (price.currency !== currency) {
      throw new ValidationError([{ field: 'price_id', message: `not priced in ${currency}` }]);
    }
    mode = price.recurring ? 'subscription' : 'payment';
    lineItem = { price: price.id, quantity: 1 };
  } else {
    lineItem = {
      price_data: { currency, unit_amount: body.amount, product_data: { name: 'Balance top-up' } },
      quantity: 1,
    };
  }
  const session = await withCustomer(stripe, tenant, user, (customer) =>
    stripe.checkout.sessions.create({
      mode,
      customer,
      client_reference_id: userId,
      metadata,
      line_items: [lineItem as never],
      success_url: body.success_url,
      cancel_url: body.cancel_url,
      ...(mode === 'payment' ? { payment_intent_data: { metadata } } : { subscription_data: { metadata } }),
    }),
  );
  return { id: session.id, url: session.url ?? '' };
}

export async function openPortal(tenant: Tenant, userId: string, body: z.output<typeof portalBody>) {
  const returnUrl = body.return_url ?? tenant.allowedOrigins[0];
  if (!returnUrl)
    throw new ValidationError([{ field: 'return_url', message: 'required: the site has no origin' }]);
  assertSitePage(tenant, returnUrl, 'return_url');
  const stripe = await stripeFor(tenant);
  const session = await withCustomer(stripe, tenant, await siteUser(tenant, userId), (customer) =>
    stripe.billingPortal.sessions.create({ customer, return_url: returnUrl }),
  );
  return { url: session.url };
}
