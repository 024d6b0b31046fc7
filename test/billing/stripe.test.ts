// Billing against the local fake Stripe (issue 18): the real `stripe` SDK talks to it over loopback, and it signs and
// delivers its events to the app over HTTP as Stripe does. Checkout (top-ups, one-time and recurring prices) makes
// the customer first and once (50 at once); the webhook refetches what each event names, so duplicates and any
// order (a refund before its payment) end in the same balance; payment methods and subscriptions follow Stripe;
// another site's customers change nothing (S41); Stripe outages are a 503 to retry that changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { claimStripeCustomer, getBalance, getBillingProfile, listLedger } from '../../src/core/db/billing';
import { userIdOf } from '../../src/core/db/users';
import { bearer, client, withKey } from '../support/http';
import { emailJobs } from '../support/queued-jobs';
import { connectStripe, type LocalStripe, type StripeAccount, startLocalStripe } from '../support/stripe';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const app = createApp();
const api = client(app);
const ORIGIN = 'https://app.example.com';
const pages = {
  success_url: `${ORIGIN}/paid?session={CHECKOUT_SESSION_ID}`,
  cancel_url: `${ORIGIN}/cancelled`,
};
let local: LocalStripe;
let site: TestTenant;
let other: TestTenant;
let account: StripeAccount;
let otherAccount: StripeAccount;
let oneTime: string;
let monthly: string;

beforeAll(async () => {
  local = await startLocalStripe(app);
  site = await createTestTenant({ settings: {} }, ['auth', 'billing:charge']);
  other = await createTestTenant();
  account = await connectStripe(local, site);
  otherAccount = await connectStripe(local, other);
  oneTime = local.fake.addPrice(account.secretKey, { unit_amount: 1000, currency: 'usd' }).id;
  monthly = local.fake.addPrice(account.secretKey, {
    unit_amount: 900,
    currency: 'usd',
    interval: 'month',
  }).id;
  const euro = local.fake.addPrice(account.secretKey, { unit_amount: 700, currency: 'eur' }).id;
  site.tenant.settings = { billing: { currency: 'usd', price_ids: [oneTime, monthly, euro] } };
  const { putTenant } = await import('../../src/core/db/tenants');
  await putTenant(site.tenant);
}, 30_000);
afterAll(() => local.close());

async function signedIn(t: TestTenant = site) {
  const user = await registerAndLogin(app, t.apiKey);
  return {
    ...user,
    userId: userIdOf(t.tenant.clientId, t.tenant.siteId, user.email),
    auth: bearer(user.token),
  };
}

async function checkout(auth: Record<string, string>, body: Record<string, unknown>) {
  return api.post('/billing/checkout', { ...pages, ...body }, auth);
}

/** A top-up paid at the fake; resolves once its events have been delivered (unless held). */
async function paidTopUp(auth: Record<string, string>, amount: number) {
  const started = await checkout(auth, { amount });
  expect(started.status).toBe(200);
  local.fake.completeCheckout(started.body.id);
  await local.fake.idle();
  const session = local.fake.object(started.body.id) as Record<string, unknown>;
  return { sessionId: started.body.id as string, paymentIntent: session.payment_intent as string };
}

describe('POST /billing/checkout', () => {
  it('opens a Checkout Session for a top-up, on a customer made first; paying credits the balance by webhook', async () => {
    const user = await signedIn();
    const started = await checkout(user.auth, { amount: 500 });
    expect(started.status).toBe(200);
    expect(started.body).toEqual({
      id: expect.stringMatching(/^cs_test_/),
      url: expect.stringContaining(started.body.id),
    });
    const session = local.fake.object(started.body.id) as Record<string, any>;
    expect(session).toMatchObject({
      mode: 'payment',
      amount_total: 500,
      currency: 'usd',
      client_reference_id: user.userId,
    });
    const customer = local.fake.object(session.customer) as Record<string, any>;
    expect(customer.metadata).toEqual({ user_id: user.userId, site: site.tenant.id });
    expect((await getBillingProfile(user.userId)).stripeCustomerId).toBe(customer.id);
    // Nothing is credited until Stripe says it is paid.
    expect(await getBalance(user.userId)).toBeUndefined();

    local.fake.completeCheckout(started.body.id);
    await local.fake.idle();
    const overview = await api.get('/billing', user.auth);
    expect(overview.body.balance).toEqual({ amount: 500, currency: 'usd' });
    expect(overview.body.payments).toEqual([
      expect.objectContaining({
        provider: 'stripe',
        kind: 'top_up',
        status: 'succeeded',
        amount_received: 500,
      }),
    ]);
    expect(overview.body.payment_methods).toEqual([
      expect.objectContaining({ provider: 'stripe', brand: 'visa', last4: '4242' }),
    ]);
    const ledger = await api.get('/billing/ledger', user.auth);
    expect(ledger.body.entries).toEqual([
      expect.objectContaining({
        amount: 500,
        balance_after: 500,
        kind: 'top_up',
        ref: overview.body.payments[0].id,
        provider: 'stripe',
      }),
    ]);
    // Every event was delivered once and answered 200.
    const events = local.fake
      .events(account.secretKey)
      .filter((e) => JSON.stringify(e).includes(session.customer));
    for (const e of events) expect(local.fake.deliveries(e.id).map((d) => d.status)).toEqual([200]);
  });

  it('S40: 50 checkouts at once by a new user make one Stripe customer', { timeout: 60_000 }, async () => {
    const user = await signedIn();
    const all = await Promise.all(Array.from({ length: 50 }, () => checkout(user.auth, { amount: 100 })));
    expect(all.map((r) => r.status)).toEqual(Array(50).fill(200));
    const customers = new Set(
      all.map((r) => (local.fake.object(r.body.id) as Record<string, unknown>).customer),
    );
    expect(customers.size).toBe(1);
    expect((await getBillingProfile(user.userId)).stripeCustomerId).toBe([...customers][0]);
  });

  it('a one-time price pays, a recurring one subscribes; each paid invoice credits the subscription once', async () => {
    const user = await signedIn();
    const pack = await checkout(user.auth, { price_id: oneTime });
    expect((local.fake.object(pack.body.id) as Record<string, unknown>).mode).toBe('payment');
    const sub = await checkout(user.auth, { price_id: monthly });
    expect(sub.status).toBe(200);
    expect((local.fake.object(sub.body.id) as Record<string, unknown>).mode).toBe('subscription');
    local.fake.completeCheckout(sub.body.id);
    await local.fake.idle();
    const overview = await api.get('/billing', user.auth);
    expect(overview.body.subscription).toMatchObject({
      status: 'active',
      price_id: monthly,
      provider: 'stripe',
    });
    expect(overview.body.balance.amount).toBe(900);
    // The next month is paid: invoice.paid credits again; delivered twice, it credits once.
    const subscriptionId = overview.body.subscription.id;
    const { event_id } = local.fake.renewSubscription(subscriptionId);
    await local.fake.idle();
    await local.fake.deliver(event_id);
    expect((await getBalance(user.userId))?.amount).toBe(1800);
    const { entries } = await listLedger(user.userId);
    expect(entries.map((e) => [e.kind, e.amount])).toEqual([
      ['subscription', 900],
      ['subscription', 900],
    ]);
  });

  it("S28/S41: bad bodies, pages off the site, prices not the site's and unsigned-in callers are refused; nothing is made at Stripe", async () => {
    const user = await signedIn();
    const before = local.fake.events(account.secretKey).length;
    for (const [label, body] of [
      ['neither amount nor price', {}],
      ['both', { amount: 500, price_id: oneTime }],
      ['under the minimum', { amount: 10 }],
      ['not an integer', { amount: 5.5 }],
      ['a string amount', { amount: '500' }],
      ['huge', { amount: 1e12 }],
      ['unknown field', { amount: 500, currency: 'eur' }],
      ["a price not the site's", { price_id: 'price_notOurs1234' }],
      ['success page off the site', { amount: 500, success_url: 'https://evil.example/paid' }],
      ['cancel page off the site', { amount: 500, cancel_url: 'http://app.example.com/x' }],
      ['javascript url', { amount: 500, success_url: 'javascript:alert(1)' }],
    ] as const) {
      const res = await checkout(user.auth, body);
      expect(res.status, label).toBe(422);
      expect(res.text, label).not.toMatch(/stack|at \w+ \(/);
    }
    const euro = (site.tenant.settings as any).billing.price_ids[2];
    expect((await checkout(user.auth, { price_id: euro })).status).toBe(422);
    expect(
      (await api.post('/billing/checkout', 'not json', { ...user.auth, 'content-type': 'application/json' }))
        .status,
    ).toBe(400);
    expect((await api.post('/billing/checkout', { amount: 500, ...pages })).status).toBe(401);
    // A site with no Stripe account: 409, not a 500.
    const bare = await createTestTenant();
    const stranger = await signedIn(bare);
    const refused = await checkout(stranger.auth, { amount: 500 });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('billing_not_configured');
    expect(local.fake.events(account.secretKey).length).toBe(before);
  });

  it('replaces a customer Stripe no longer knows (deleted in the dashboard) and checks out on the new one', async () => {
    const user = await signedIn();
    await claimStripeCustomer(user.userId, 'cus_deletedInTheDashboard');
    const started = await checkout(user.auth, { amount: 500 });
    expect(started.status).toBe(200);
    const customer = (local.fake.object(started.body.id) as Record<string, string>).customer as string;
    expect(customer).not.toBe('cus_deletedInTheDashboard');
    expect((await getBillingProfile(user.userId)).stripeCustomerId).toBe(customer);
    // And the next checkout uses it straight away.
    const again = await checkout(user.auth, { amount: 500 });
    expect((local.fake.object(again.body.id) as Record<string, string>).customer).toBe(customer);
  });

  it('a Stripe outage is a 503 to retry, never a 500', async () => {
    const user = await signedIn();
    local.fake.failNext(3);
    const res = await checkout(user.auth, { amount: 500 });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('payment_provider_unavailable');
    expect((await checkout(user.auth, { amount: 500 })).status).toBe(200);
  });
});

describe("make dev's local Stripe routes (S50: the dev server's only)", () => {
  it('POST /dev/stripe/checkout/{id}/complete pays and delivers; /dev/stripe/events/{id}/resend delivers again', async () => {
    const user = await signedIn();
    const started = await checkout(user.auth, { amount: 450 });
    const done = await local.fake.pages.request(`/dev/stripe/checkout/${started.body.id}/complete`, {
      method: 'POST',
    });
    const { event_id } = (await done.json()) as { event_id: string };
    expect(local.fake.object(event_id)?.type).toBe('checkout.session.completed');
    expect((await getBalance(user.userId))?.amount).toBe(450);
    const again = await local.fake.pages.request(`/dev/stripe/events/${event_id}/resend`, { method: 'POST' });
    expect(await again.json()).toEqual({ event_id, delivered: true, status: 200 });
    expect(local.fake.deliveries(event_id).map((d) => d.status)).toEqual([200, 200]);
    expect((await getBalance(user.userId))?.amount).toBe(450);
    expect(
      (await local.fake.pages.request('/dev/stripe/events/evt_nope/resend', { method: 'POST' })).status,
    ).toBe(404);
    // Paying twice is refused as Stripe would: the session is complete.
    const twice = await local.fake.pages.request(`/dev/stripe/checkout/${started.body.id}/complete`, {
      method: 'POST',
    });
    expect(twice.status).toBe(400);
    const listing = await (await local.fake.pages.request('/dev/stripe')).text();
    expect(listing).toContain(started.body.id);
    expect(listing).toContain(event_id);
  });
});

describe('receipts', () => {
  it('emails a receipt for each top-up and refund to a user who asked for them, and none to one who did not', async () => {
    const quiet = await signedIn();
    const keen = await signedIn();
    expect((await api.send('PUT', '/billing/settings', { receipts: true }, keen.auth)).status).toBe(200);
    await paidTopUp(quiet.auth, 300);
    const { paymentIntent } = await paidTopUp(keen.auth, 1250);
    local.fake.refund(account.secretKey, paymentIntent, 250);
    await local.fake.idle();
    const receipts = (await emailJobs()).filter((j) => j.template === 'notification');
    expect(receipts.filter((j) => j.to === quiet.email)).toEqual([]);
    const mine = receipts.filter((j) => j.to === keen.email);
    expect(mine.map((j) => j.data.title).sort()).toEqual([
      'Receipt: refund of $2.50',
      'Receipt: top-up of $12.50',
    ]);
    expect(mine.find((j) => String(j.data.title).includes('top-up'))?.data.message).toContain(
      'Balance after: $12.50',
    );
    expect(mine.find((j) => String(j.data.title).includes('refund'))?.data.message).toContain(
      'Balance after: $10.00',
    );
  });
});

describe('POST /billing/portal', () => {
  it('opens a Customer Portal session returning to a page of the site; removing a card there leaves the list', async () => {
    const user = await signedIn();
    await paidTopUp(user.auth, 500);
    const portal = await api.post('/billing/portal', { return_url: `${ORIGIN}/account` }, user.auth);
    expect(portal.status).toBe(200);
    expect(portal.body.url).toMatch(/\/portal\/bps_/);
    expect((await api.post('/billing/portal', {}, user.auth)).status).toBe(200);
    expect(
      (await api.post('/billing/portal', { return_url: 'https://evil.example/' }, user.auth)).status,
    ).toBe(422);
    const [method] = (await api.get('/billing', user.auth)).body.payment_methods;
    local.fake.detachPaymentMethod(account.secretKey, method.id);
    await local.fake.idle();
    expect((await api.get('/billing', user.auth)).body.payment_methods).toEqual([]);
  });
});

describe('webhooks against Stripe state', () => {
  it('S47: a refund delivered before its payment credits the payment, then debits the refund; the late events change nothing', async () => {
    const user = await signedIn();
    const started = await checkout(user.auth, { amount: 500 });
    local.fake.hold(true);
    try {
      local.fake.completeCheckout(started.body.id);
      const pi = (local.fake.object(started.body.id) as Record<string, string>).payment_intent as string;
      local.fake.refund(account.secretKey, pi, 200);
      const held = local.fake.held();
      const refunded = held.find((id) => local.fake.object(id)?.type === 'charge.refunded') as string;
      expect(await local.fake.deliver(refunded)).toBe(200);
      expect((await getBalance(user.userId))?.amount).toBe(300);
      // The rest arrive late, newest first, and one of them twice.
      for (const id of [...local.fake.held()].reverse()) await local.fake.deliver(id);
      await local.fake.deliver(refunded);
    } finally {
      local.fake.hold(false);
    }
    expect((await getBalance(user.userId))?.amount).toBe(300);
    const { entries } = await listLedger(user.userId);
    expect(entries.map((e) => [e.kind, e.amount, e.balanceAfter])).toEqual([
      ['refund', -200, 300],
      ['top_up', 500, 500],
    ]);
    const overview = await api.get('/billing', user.auth);
    expect(overview.body.payments[0]).toMatchObject({ status: 'succeeded', amount_refunded: 200 });
  });

  it('S47: a chargeback takes the top-up back once, even below zero, and a won dispute returns it; in any order', async () => {
    const user = await signedIn();
    const { paymentIntent } = await paidTopUp(user.auth, 500);
    // Most of it is spent before the cardholder disputes the payment.
    const spent = await api.post(
      '/billing/charge',
      { user_id: user.userId, amount: 350, description: 'Reports', idempotency_key: `spent-${Date.now()}` },
      withKey(site.apiKey),
    );
    expect(spent.body.balance.amount).toBe(150);
    const lost = local.fake.dispute(account.secretKey, paymentIntent);
    await local.fake.idle();
    expect((await getBalance(user.userId))?.amount).toBe(-350);
    // Decided in our favour; Stripe's events for it arrive twice, the "closed" one last.
    local.fake.hold(true);
    try {
      local.fake.closeDispute(lost.id, true);
      const held = local.fake.held();
      for (const id of [...held].reverse()) await local.fake.deliver(id);
      for (const id of held) await local.fake.deliver(id);
    } finally {
      local.fake.hold(false);
    }
    expect((await getBalance(user.userId))?.amount).toBe(150);
    const { entries } = await listLedger(user.userId);
    expect(entries.map((e) => [e.kind, e.amount, e.description])).toEqual([
      ['dispute', 500, 'Dispute won'],
      ['dispute', -500, 'Disputed payment (chargeback)'],
      ['charge', -350, 'Reports'],
      ['top_up', 500, 'Top-up'],
    ]);

    // A dispute that is already won when its first event arrives: taken and returned, net nothing.
    const other = await signedIn();
    const second = await checkout(other.auth, { amount: 300 });
    local.fake.hold(true);
    try {
      local.fake.completeCheckout(second.body.id);
      const pi = (local.fake.object(second.body.id) as Record<string, string>).payment_intent as string;
      const d = local.fake.dispute(account.secretKey, pi);
      local.fake.closeDispute(d.id, true);
      const reinstated = local.fake
        .held()
        .find((id) => local.fake.object(id)?.type === 'charge.dispute.funds_reinstated') as string;
      await local.fake.deliver(reinstated);
      for (const id of local.fake.held()) await local.fake.deliver(id);
    } finally {
      local.fake.hold(false);
    }
    expect((await getBalance(other.userId))?.amount).toBe(300);
    expect((await listLedger(other.userId)).entries).toHaveLength(3);
  });

  it('a delayed payment that settles after the checkout (async_payment_succeeded) credits once', async () => {
    const user = await signedIn();
    const started = await checkout(user.auth, { amount: 800 });
    local.fake.hold(true);
    try {
      local.fake.completeCheckout(started.body.id);
    } finally {
      local.fake.hold(false);
    }
    const settled = JSON.stringify({
      id: `evt_async_${Date.now()}`,
      object: 'event',
      type: 'checkout.session.async_payment_succeeded',
      data: { object: { id: started.body.id, object: 'checkout.session' } },
    });
    const { stripeSignature } = await import('../../src/dev/fake-stripe');
    const path = `/billing/webhook/${encodeURIComponent(site.tenant.clientId)}/${encodeURIComponent(site.tenant.siteId)}`;
    const res = await api.post(path, settled, {
      'content-type': 'application/json',
      'stripe-signature': stripeSignature(settled, account.webhookSecret),
    });
    expect(res.body).toMatchObject({ received: true, applied: expect.stringMatching(/^evt_async_/) });
    for (const id of local.fake.held()) await local.fake.deliver(id);
    expect((await getBalance(user.userId))?.amount).toBe(800);
  });

  it('a detach delivered before its attach leaves no card listed; a declined payment is recorded and credits nothing', async () => {
    const user = await signedIn();
    const started = await checkout(user.auth, { amount: 700 });
    local.fake.hold(true);
    try {
      local.fake.completeCheckout(started.body.id, { decline: true });
      local.fake.completeCheckout(started.body.id);
      const attached = local.fake
        .held()
        .find((id) => local.fake.object(id)?.type === 'payment_method.attached') as string;
      const pm = (local.fake.object(attached) as any).data.object.id;
      local.fake.detachPaymentMethod(account.secretKey, pm);
      const order = local.fake.held();
      const detached = order.find(
        (id) => local.fake.object(id)?.type === 'payment_method.detached',
      ) as string;
      await local.fake.deliver(detached);
      for (const id of local.fake.held()) await local.fake.deliver(id);
    } finally {
      local.fake.hold(false);
    }
    const overview = await api.get('/billing', user.auth);
    expect(overview.body.payment_methods).toEqual([]);
    expect(overview.body.balance.amount).toBe(700);
    expect(overview.body.payments.map((p: { status: string }) => p.status).sort()).toEqual([
      'requires_payment_method',
      'succeeded',
    ]);
  });

  it('S41: events about a customer of another site, or of another account, change nothing', async () => {
    const stranger = await signedIn(other);
    // A customer in this site's account that claims another site's user.
    const claim = local.fake.addCustomer(account.secretKey, { user_id: stranger.userId });
    // The other site's real customer, which this site's key cannot see.
    const theirs = await paidTopUp(stranger.auth, 400);
    const theirCustomer = (local.fake.object(theirs.paymentIntent) as Record<string, string>)
      .customer as string;
    const before = await getBalance(stranger.userId);
    expect(before?.amount).toBe(400);
    for (const customer of [claim.id, theirCustomer]) {
      const event = {
        id: `evt_forged_${customer}`,
        object: 'event',
        type: 'payment_method.attached',
        data: { object: { id: 'pm_whatever', object: 'payment_method', customer } },
      };
      const payload = JSON.stringify(event);
      const { stripeSignature } = await import('../../src/dev/fake-stripe');
      const res = await api.post(
        `/billing/webhook/${encodeURIComponent(site.tenant.clientId)}/${encodeURIComponent(site.tenant.siteId)}`,
        payload,
        {
          'content-type': 'application/json',
          'stripe-signature': stripeSignature(payload, account.webhookSecret),
        },
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: true, ignored: 'foreign_customer' });
    }
    expect(await getBalance(stranger.userId)).toEqual(before);
    // The other site's own event, signed with the other site's secret but sent to this site's URL: refused.
    const [theirEvent] = local.fake.events(otherAccount.secretKey, 'payment_intent.succeeded');
    const { payload, signature } = local.fake.signed(theirEvent?.id as string);
    const crossed = await api.post(
      `/billing/webhook/${encodeURIComponent(site.tenant.clientId)}/${encodeURIComponent(site.tenant.siteId)}`,
      payload,
      { 'content-type': 'application/json', 'stripe-signature': signature },
    );
    expect(crossed.status).toBe(400);
  });

  it('when Stripe cannot be reached to refetch, the webhook is a 503 that changes nothing; the retry applies it', async () => {
    const user = await signedIn();
    const started = await checkout(user.auth, { amount: 600 });
    local.fake.hold(true);
    let completed: string;
    try {
      local.fake.completeCheckout(started.body.id);
      completed = local.fake
        .held()
        .find((id) => local.fake.object(id)?.type === 'checkout.session.completed') as string;
    } finally {
      local.fake.hold(false);
    }
    const { payload, signature } = local.fake.signed(completed);
    const path = `/billing/webhook/${encodeURIComponent(site.tenant.clientId)}/${encodeURIComponent(site.tenant.siteId)}`;
    local.fake.failNext(50);
    const down = await api.post(path, payload, {
      'content-type': 'application/json',
      'stripe-signature': signature,
    });
    local.fake.failNext(0);
    expect(down.status).toBe(503);
    expect(await getBalance(user.userId)).toBeUndefined();
    const retried = await api.post(path, payload, {
      'content-type': 'application/json',
      'stripe-signature': signature,
    });
    expect(retried.body).toEqual({ received: true, applied: completed });
    expect((await getBalance(user.userId))?.amount).toBe(600);
  });
});
