// Stripe webhooks for a site (issue 18; S41, S47): the signature is checked on the raw body with the site's own
// signing secret and a 300 s tolerance (the real stripe SDK signs and verifies here); unsigned, wrongly signed, stale
// and tampered events are 400 and change nothing; a completed checkout credits its user once however often it is
// delivered (100 replays at once), also through the Lambda handler with a base64 body; another site's user is ignored.
import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { STRIPE_WEBHOOK_SECRET, stripeSecrets } from '../../src/billing/stripe-account';
import { getBalance, listLedger } from '../../src/core/db/billing';
import { userIdOf } from '../../src/core/db/users';
import { createHttpHandler } from '../../src/lambda/http-handler';
import { functionUrlEvent } from '../support/lambda';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const app = createApp();
const handler = createHttpHandler(app);
const SECRET = `whsec_${'TestSigningSecret'.padEnd(32, '0')}`;
let site: TestTenant;
let other: TestTenant;
let events = 0;

beforeAll(async () => {
  site = await createTestTenant();
  other = await createTestTenant();
  await stripeSecrets.save(site.tenant.id, SECRET, STRIPE_WEBHOOK_SECRET);
});

const path = (t: TestTenant) =>
  `/billing/webhook/${encodeURIComponent(t.tenant.clientId)}/${encodeURIComponent(t.tenant.siteId)}`;

async function userOf(t: TestTenant) {
  const user = await registerAndLogin(app, t.apiKey);
  return userIdOf(t.tenant.clientId, t.tenant.siteId, user.email);
}

/** A checkout.session.completed event as Stripe sends it. */
function completed(userId: string, amount: number, overrides: Record<string, unknown> = {}) {
  return JSON.stringify({
    id: `evt_test_${Date.now()}_${++events}`,
    object: 'event',
    type: 'checkout.session.completed',
    data: {
      object: {
        id: `cs_test_${events}`,
        object: 'checkout.session',
        mode: 'payment',
        payment_status: 'paid',
        amount_total: amount,
        currency: 'usd',
        client_reference_id: userId,
        metadata: { user_id: userId },
        ...overrides,
      },
    },
  });
}

const sign = (payload: string, secret = SECRET, timestamp = Math.floor(Date.now() / 1000)) =>
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
    const userId = await userOf(site);
    const payload = completed(userId, 1500);
    const first = await deliver(payload, sign(payload));
    expect(first).toEqual({ status: 200, body: { received: true, applied: JSON.parse(payload).id } });
    const replays = await Promise.all(Array.from({ length: 100 }, () => deliver(payload, sign(payload))));
    expect(replays.every((r) => r.status === 200 && r.body.ignored === 'duplicate')).toBe(true);
    expect((await getBalance(userId))?.amount).toBe(1500);
    const { entries } = await listLedger(userId);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ amount: 1500, kind: 'top_up', balanceAfter: 1500 });
  });

  it('S41: unsigned, wrongly signed, stale and tampered events are 400 and change nothing', async () => {
    const userId = await userOf(site);
    const payload = completed(userId, 700);
    const tampered = payload.replace('700', '70000');
    for (const [label, body, signature] of [
      ['unsigned', payload, undefined],
      ['garbage signature', payload, 't=1,v1=abc'],
      ['wrong secret', payload, sign(payload, `whsec_${'Other'.padEnd(32, '1')}`)],
      ['stale', payload, sign(payload, SECRET, Math.floor(Date.now() / 1000) - 301)],
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

  it("S41: an event naming another site's user, or an unpaid session, changes nothing", async () => {
    const stranger = await userOf(other);
    const foreign = completed(stranger, 900);
    expect((await deliver(foreign, sign(foreign))).body).toEqual({
      received: true,
      ignored: 'foreign_customer',
    });
    expect(await getBalance(stranger)).toBeUndefined();
    const userId = await userOf(site);
    const unpaid = completed(userId, 900, { payment_status: 'unpaid' });
    expect((await deliver(unpaid, sign(unpaid))).body).toEqual({
      received: true,
      ignored: 'not_a_paid_top_up',
    });
    const created = JSON.stringify({
      id: 'evt_other',
      object: 'event',
      type: 'customer.created',
      data: { object: {} },
    });
    expect((await deliver(created, sign(created))).body).toEqual({ received: true, ignored: 'event_type' });
    expect(await getBalance(userId)).toBeUndefined();
  });

  it('verifies the raw body through the Lambda handler, base64-encoded as a Function URL delivers it', async () => {
    const userId = await userOf(site);
    const payload = completed(userId, 250);
    const event = functionUrlEvent('POST', path(site), {
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': sign(payload) },
      body: Buffer.from(payload).toString('base64'),
    });
    event.isBase64Encoded = true;
    const res = (await handler(event as never, {} as never)) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ received: true, applied: JSON.parse(payload).id });
    expect((await getBalance(userId))?.amount).toBe(250);
  });
});
