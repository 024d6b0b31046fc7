// Stripe webhooks for a site (issue 18; S41, S47): the signature is checked on the raw body with the site's own
// signing secret and a 300 s tolerance (the real stripe SDK verifies; the local fake Stripe signs as Stripe does);
// unsigned, wrongly signed, stale and tampered events are 400 and change nothing; a completed checkout credits its
// user once however often it is delivered (100 replays at once), also through the Lambda handler with a base64
// body; event types we do not handle and unpaid checkouts change nothing.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { getBalance, listLedger } from '../../src/core/db/billing';
import { userIdOf } from '../../src/core/db/users';
import { createHttpHandler } from '../../src/lambda/http-handler';
import { functionUrlEvent } from '../support/lambda';
import { connectStripe, type LocalStripe, type StripeAccount, startLocalStripe } from '../support/stripe';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const app = createApp();
const handler = createHttpHandler(app);
let local: LocalStripe;
let account: StripeAccount;
let site: TestTenant;
let other: TestTenant;
let events = 0;

beforeAll(async () => {
  local = await startLocalStripe(app);
  site = await createTestTenant();
  other = await createTestTenant();
  account = await connectStripe(local, site);
});
afterAll(() => local.close());

const path = (t: TestTenant) =>
  `/billing/webhook/${encodeURIComponent(t.tenant.clientId)}/${encodeURIComponent(t.tenant.siteId)}`;

async function userOf(t: TestTenant) {
  const user = await registerAndLogin(app, t.apiKey);
  return {
    userId: userIdOf(t.tenant.clientId, t.tenant.siteId, user.email),
    auth: { authorization: `Bearer ${user.token}` },
  };
}

/** A paid checkout at the fake, its events held: the checkout.session.completed event's id. */
async function heldCheckout(auth: Record<string, string>, amount: number, options = {}) {
  const res = await app.request('/billing/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify({
      amount,
      success_url: 'https://app.example.com/ok',
      cancel_url: 'https://app.example.com/no',
    }),
  });
  const { id } = (await res.json()) as { id: string };
  local.fake.hold(true);
  try {
    return local.fake.completeCheckout(id, options).event_id;
  } finally {
    local.fake.hold(false);
  }
}

/** An event of our own making (for the signature checks, which come before anything is fetched). */
function madeUp(type = 'checkout.session.completed') {
  return JSON.stringify({
    id: `evt_test_${Date.now()}_${++events}`,
    object: 'event',
    type,
    data: { object: { id: `cs_test_${events}`, object: 'checkout.session', amount_total: 700 } },
  });
}

const sign = (payload: string, secret = account.webhookSecret, timestamp = Math.floor(Date.now() / 1000)) =>
  Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });

const deliver = async (payload: string, signature?: string, t = site) => {
  const res = await app.request(path(t), {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      ...(signature ? { 'stripe-signature': signature } : {}),
    },
    body: payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('POST /billing/webhook/{client_id}/{site_id}', () => {
  it('S41: credits a paid checkout once, however often it is delivered (100 replays at once)', async () => {
    const { userId, auth } = await userOf(site);
    const eventId = await heldCheckout(auth, 1500);
    const { payload } = local.fake.signed(eventId);
    const first = await deliver(payload, sign(payload));
    expect(first).toEqual({ status: 200, body: { received: true, applied: eventId } });
    const replays = await Promise.all(Array.from({ length: 100 }, () => deliver(payload, sign(payload))));
    expect(replays.every((r) => r.status === 200 && r.body.ignored === 'duplicate')).toBe(true);
    // The payment's own events, delivered late, find it credited.
    for (const id of local.fake.held()) await local.fake.deliver(id);
    expect((await getBalance(userId))?.amount).toBe(1500);
    const { entries } = await listLedger(userId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ amount: 1500, kind: 'top_up', balanceAfter: 1500 });
  });

  it('S41: unsigned, wrongly signed, stale and tampered events are 400 and change nothing', async () => {
    const { userId, auth } = await userOf(site);
    const eventId = await heldCheckout(auth, 700);
    const { payload } = local.fake.signed(eventId);
    const tampered = payload.replace('700', '70000');
    for (const [label, body, signature] of [
      ['unsigned', payload, undefined],
      ['garbage signature', payload, 't=1,v1=abc'],
      ['wrong secret', payload, sign(payload, `whsec_${'Other'.padEnd(32, '1')}`)],
      [
        'stale (a replay of an old delivery)',
        payload,
        sign(payload, account.webhookSecret, Math.floor(Date.now() / 1000) - 301),
      ],
      ['tampered body', tampered, sign(payload)],
    ] as const) {
      const res = await deliver(body, signature);
      expect(res.status, label).toBe(400);
      expect(res.body.code, label).toBe('invalid_signature');
    }
    expect(await getBalance(userId)).toBeUndefined();
    // A site without a signing secret accepts nothing; an unknown site is a 404.
    expect((await deliver(payload, sign(payload), other)).status).toBe(400);
    const unknown = await app.request('/billing/webhook/Nobody/None', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    expect(unknown.status).toBe(404);
  });

  it('a declined payment and event types we do not handle change nothing', async () => {
    const { userId, auth } = await userOf(site);
    const declined = await heldCheckout(auth, 900, { decline: true });
    const { payload } = local.fake.signed(declined);
    expect((await deliver(payload, sign(payload))).body).toEqual({
      received: true,
      ignored: 'not_a_paid_top_up',
    });
    const created = madeUp('customer.created');
    expect((await deliver(created, sign(created))).body).toEqual({ received: true, ignored: 'event_type' });
    // Every customer.subscription.* is handled; one naming an object the account no longer has is acknowledged
    // (retrying would never find it), as is a payment that is not there.
    for (const type of ['customer.subscription.paused', 'payment_intent.succeeded', 'invoice.paid']) {
      const missing = madeUp(type);
      expect((await deliver(missing, sign(missing))).body, type).toEqual({
        received: true,
        ignored: 'object_missing',
      });
    }
    expect(await getBalance(userId)).toBeUndefined();
  });

  it('verifies the raw body through the Lambda handler, base64-encoded as a Function URL delivers it', async () => {
    const { userId, auth } = await userOf(site);
    const eventId = await heldCheckout(auth, 250);
    const { payload } = local.fake.signed(eventId);
    const event = functionUrlEvent('POST', path(site), {
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': sign(payload) },
      body: Buffer.from(payload).toString('base64'),
    });
    event.isBase64Encoded = true;
    const res = (await handler(event as never, {} as never)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ received: true, applied: eventId });
    expect((await getBalance(userId))?.amount).toBe(250);
  });
});
