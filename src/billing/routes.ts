// /billing: a user's prepaid balance, ledger, settings, and paying in through Stripe Checkout and the Customer
// Portal (Bearer token or cookie); a site's server charging the balance (POST /billing/charge, a key with
// billing:charge); Stripe's signed webhooks per site. Amounts are integers in the currency's minor unit.
import * as z from 'zod';
import {
  getBalance,
  getBillingProfile,
  ledgerItem,
  listLedger,
  listRecords,
  putUserBillingSettings,
} from '../core/db/billing';
import { parseTenantId } from '../core/db/tenants';
import { NotFoundError } from '../core/errors';
import { tenantResolver } from '../core/tenants';
import { defineRoute } from '../docs';
import { requireUser } from '../middleware/authenticate';
import { featureRouter } from '../middleware/feature';
import { jsonOnly } from '../middleware/json-body';
import { noStore } from '../middleware/no-store';
import { requestMeta } from '../middleware/request-meta';
import { requireTenant } from '../middleware/tenant';
import { parseBody, parseQuery } from '../middleware/validate';
import { balanceView, chargeBody, chargeUser } from './charge';
import { checkoutBody, openPortal, portalBody, startCheckout } from './checkout';
import { billingSettings } from './settings';
import { handleStripeWebhook } from './webhook';

const billing = featureRouter('/billing');
billing.use(noStore(), jsonOnly());

const entryView = z.object({
  id: z.string(),
  at: z.string(),
  amount: z.number().int(),
  balance_after: z.number().int(),
  kind: z.string(),
  ref: z.string().optional(),
  description: z.string().optional(),
  provider: z.string().optional().describe('stripe for money in or out; absent for a charge of the balance'),
});
const settingsView = z.object({
  currency: z.string().describe("The site's: balances are kept in it"),
  display_currency: z.string().describe('How amounts are shown to this user'),
  receipts: z.boolean().describe('Whether top-ups and charges are receipted by email'),
});
const settingsBody = z
  .object({
    display_currency: z
      .string()
      .regex(/^[a-z]{3}$/, 'a three-letter ISO 4217 code in lower case')
      .nullable()
      .optional(),
    receipts: z.boolean().optional(),
  })
  .strict()
  .refine((b) => b.display_currency !== undefined || b.receipts !== undefined, 'nothing to change');
const ledgerQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

defineRoute(
  billing,
  {
    method: 'get',
    path: '/',
    operationId: 'getBilling',
    tag: 'billing',
    summary: "The signed-in user's balance, billing settings, payment methods and payments",
    security: ['bearer', 'cookie'],
    responses: {
      200: {
        description: 'Billing overview',
        schema: z.object({
          balance: balanceView,
          settings: settingsView,
          payment_methods: z.array(z.record(z.string(), z.unknown())),
          payments: z.array(z.record(z.string(), z.unknown())),
          subscription: z.record(z.string(), z.unknown()).optional(),
        }),
      },
    },
  },
  requireUser(),
  async (c) => {
    const { userId, tenant } = c.var.auth;
    const { currency } = billingSettings(tenant).billing;
    const [balance, own, methods, payments] = await Promise.all([
      getBalance(userId),
      getBillingProfile(userId),
      listRecords(userId, 'PM#'),
      listRecords(userId, 'PAY#'),
    ]);
    return c.json({
      balance: { amount: balance?.amount ?? 0, currency: balance?.currency ?? currency },
      settings: { currency, display_currency: own.displayCurrency ?? currency, receipts: own.receipts },
      payment_methods: methods,
      payments,
      subscription: own.subscription,
    });
  },
);

defineRoute(
  billing,
  {
    method: 'get',
    path: '/ledger',
    operationId: 'listLedger',
    tag: 'billing',
    summary: "The signed-in user's ledger, newest first, a page at a time",
    description:
      'Each entry says what moved the balance (kind, ref) and the balance after it. Pass `next` as `cursor`.',
    security: ['bearer', 'cookie'],
    responses: {
      200: {
        description: 'A page of entries',
        schema: z.object({ entries: z.array(entryView), next: z.string().optional() }),
      },
    },
  },
  requireUser(),
  async (c) => {
    const query = parseQuery(c, ledgerQuery);
    const page = await listLedger(c.var.auth.userId, query);
    return c.json({
      entries: page.entries.map(ledgerItem),
      next: page.next,
    });
  },
);

defineRoute(
  billing,
  {
    method: 'put',
    path: '/settings',
    operationId: 'putBillingSettings',
    tag: 'billing',
    summary: "The signed-in user's billing settings: the currency amounts are shown in, and email receipts",
    description: 'Either field, or both; `display_currency: null` goes back to the site currency.',
    security: ['bearer', 'cookie'],
    body: settingsBody,
    responses: { 200: { description: 'The settings now', schema: z.object({ settings: settingsView }) } },
  },
  requireUser(),
  async (c) => {
    const body = await parseBody(c, settingsBody);
    const { userId, tenant } = c.var.auth;
    const current = await getBillingProfile(userId);
    const next = {
      displayCurrency:
        body.display_currency === undefined ? current.displayCurrency : (body.display_currency ?? undefined),
      receipts: body.receipts ?? current.receipts,
    };
    await putUserBillingSettings(userId, next);
    const { currency } = billingSettings(tenant).billing;
    return c.json({
      settings: { currency, display_currency: next.displayCurrency ?? currency, receipts: next.receipts },
    });
  },
);

defineRoute(
  billing,
  {
    method: 'post',
    path: '/checkout',
    operationId: 'startCheckout',
    tag: 'billing',
    summary: "Start paying: a Stripe Checkout Session for a top-up or one of the site's prices",
    description:
      "Send the user to `url`. `amount` (minor units) tops up the balance; a one-time `price_id` pays, a recurring one subscribes. success_url and cancel_url must be pages on the site's allowed origins. The balance moves when Stripe's signed webhook arrives, not here.",
    security: ['bearer', 'cookie'],
    body: checkoutBody,
    fetch: `const { url } = await fetch(\`\${API}/billing/checkout\`, {
  method: 'POST',
  credentials: 'include',
  headers: { 'content-type': 'application/json', 'x-api-key': SITE_KEY },
  body: JSON.stringify({ amount: 500, success_url: location.href, cancel_url: location.href }),
}).then((r) => r.json());
location.assign(url);`,
    responses: {
      200: { description: 'The Checkout Session', schema: z.object({ id: z.string(), url: z.string() }) },
      409: { description: 'The site has no Stripe account set up' },
      422: { description: "A bad amount or price, or a page not on the site's origins" },
      503: { description: 'Stripe did not answer; try again' },
    },
  },
  requireUser(),
  async (c) => {
    const body = await parseBody(c, checkoutBody);
    const { userId, tenant } = c.var.auth;
    return c.json(await startCheckout(tenant, userId, body));
  },
);

defineRoute(
  billing,
  {
    method: 'post',
    path: '/portal',
    operationId: 'openBillingPortal',
    tag: 'billing',
    summary: "A Stripe Customer Portal session: the user's cards, invoices and subscription",
    description: "`return_url` (a page on the site's allowed origins) defaults to the site's first origin.",
    security: ['bearer', 'cookie'],
    body: portalBody,
    responses: {
      200: { description: 'The portal session', schema: z.object({ url: z.string() }) },
      409: { description: 'The site has no Stripe account set up' },
    },
  },
  requireUser(),
  async (c) => {
    const body = await parseBody(c, portalBody);
    const { userId, tenant } = c.var.auth;
    return c.json(await openPortal(tenant, userId, body));
  },
);

defineRoute(
  billing,
  {
    method: 'post',
    path: '/charge',
    operationId: 'chargeBalance',
    tag: 'billing',
    summary: "Charge a user's prepaid balance from the site's server",
    description:
      'Needs the billing:charge scope. The same idempotency_key charges once and answers the same; the same key with a different amount or description is a 409. A balance never goes below zero unless the site allows credit: 402 insufficient_funds.',
    security: ['apiKey'],
    body: chargeBody,
    fetch: `const { balance } = await fetch(\`\${API}/billing/charge\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': SERVER_KEY },
  body: JSON.stringify({ user_id, amount: 20, description: 'One report', idempotency_key: orderId }),
}).then((r) => r.json());`,
    responses: {
      200: { description: 'Charged (or the same charge again)', schema: z.object({ balance: balanceView }) },
      402: { description: 'The balance does not cover it' },
      403: { description: 'The key lacks billing:charge' },
      404: { description: 'No such user on this site' },
      409: { description: 'The idempotency key was used for a different charge' },
    },
  },
  requireTenant({ scope: 'billing:charge' }),
  async (c) => {
    const body = await parseBody(c, chargeBody);
    const { balance } = await chargeUser(c.var.tenantKey.tenant, body, requestMeta(c));
    return c.json({ balance });
  },
);

defineRoute(
  billing,
  {
    method: 'post',
    path: '/webhook/:client_id/:site_id',
    operationId: 'stripeWebhook',
    tag: 'billing',
    summary: "Stripe's events for a site (register this URL in the site's Stripe account)",
    description:
      "Verified on the raw body with the site's signing secret (Stripe-Signature, 300 s tolerance): unsigned, wrongly signed and stale events are a 400 and change nothing. Handled: checkout.session.completed, payment_intent.succeeded and .payment_failed, charge.refunded, payment_method.attached and .detached, customer.subscription.*, invoice.paid. What an event names is fetched again from Stripe, so order does not matter, and each payment, refund and invoice moves the balance once however often it is delivered. A 503 asks Stripe to retry.",
    responses: {
      200: {
        description: 'Received (applied, or ignored with the reason)',
        schema: z.object({
          received: z.literal(true),
          applied: z.string().optional(),
          ignored: z.string().optional(),
        }),
      },
      400: { description: 'Missing, wrong or stale signature' },
      404: { description: 'No such site' },
    },
  },
  async (c) => {
    const site = parseTenantId(`${c.req.param('client_id')}#${c.req.param('site_id')}`);
    const tenant = site ? await tenantResolver().byId(site) : undefined;
    if (!tenant) throw new NotFoundError();
    // The exact bytes Stripe signed: nothing may parse the body before the signature is checked.
    const raw = Buffer.from(await c.req.arrayBuffer());
    return c.json(await handleStripeWebhook(tenant, raw, c.req.header('stripe-signature'), requestMeta(c)));
  },
);

export default billing;
