// Prepaid balances and their ledger (issue 18, first part; S47): a balance moves only with its ledger entry in one
// transaction, never below zero unless the site allows credit; 50 parallel charges of 20 against 500 give exactly 25
// successes and a balance of 0; an idempotency key charges once and answers the same; another site's user is a 404.
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { listAuditEvents } from '../../src/core/db/audit-log';
import { getBalance, postLedgerEntry, sumLedger } from '../../src/core/db/billing';
import { userIdOf } from '../../src/core/db/users';
import { bearer, client, withKey } from '../support/http';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;
let server: TestTenant;

beforeAll(async () => {
  site = await createTestTenant({ settings: { billing: { currency: 'eur' } } });
  // The site's server key: it may charge; the browser key (auth only) may not.
  server = { ...site, ...(await createTestTenant({ ...site.tenant }, ['billing:charge'])) };
});

/** A user of the site with a prepaid balance, topped up as a payment would (a ledger entry). */
async function userWith(amount: number) {
  const user = await registerAndLogin(app, site.apiKey);
  const userId = userIdOf(site.tenant.clientId, site.tenant.siteId, user.email);
  if (amount) await postLedgerEntry(userId, { amount, currency: 'eur', kind: 'top_up', ref: 'test-top-up' });
  return { ...user, userId };
}

const charge = (body: Record<string, unknown>, key = server.apiKey) =>
  api.post('/billing/charge', body, withKey(key));
let keys = 0;
const newKey = () => `order-${Date.now()}-${++keys}`;

describe('POST /billing/charge', () => {
  it('S47: 50 parallel charges of 20 against a balance of 500 give exactly 25 successes and a balance of 0', async () => {
    const user = await userWith(500);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        charge({ user_id: user.userId, amount: 20, description: 'One report', idempotency_key: newKey() }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(25);
    const refused = answers.filter((a) => a.status === 402);
    expect(refused).toHaveLength(25);
    expect(refused[0]?.body).toMatchObject({ code: 'insufficient_funds', balance: { currency: 'eur' } });
    expect((await getBalance(user.userId))?.amount).toBe(0);
    // Every change has its entry: the ledger sums to the balance.
    expect(await sumLedger(user.userId)).toBe(0);
    expect(answers.some((a) => a.status >= 500)).toBe(false);
  });

  it('S47: the same idempotency key charges once and answers the same; the key with another charge is a 409', async () => {
    const user = await userWith(100);
    const key = newKey();
    const body = { user_id: user.userId, amount: 30, description: 'Monthly export', idempotency_key: key };
    const answers = await Promise.all(Array.from({ length: 10 }, () => charge(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    for (const a of answers) expect(a.body).toEqual({ balance: { amount: 70, currency: 'eur' } });
    expect((await getBalance(user.userId))?.amount).toBe(70);
    const reused = await charge({ ...body, amount: 31 });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency_key_reused');
    expect((await getBalance(user.userId))?.amount).toBe(70);
    const events = (await listAuditEvents(site.tenant.id)).filter(
      (e) => e.event === 'billing_charge' && e.userId === user.userId,
    );
    expect(events).toHaveLength(1);
  });

  it('never below zero (402, nothing written), unless the site allows credit', async () => {
    const user = await userWith(10);
    const refused = await charge({
      user_id: user.userId,
      amount: 11,
      description: 'Too much',
      idempotency_key: newKey(),
    });
    expect(refused.status).toBe(402);
    expect(refused.body.balance).toEqual({ amount: 10, currency: 'eur' });
    expect((await getBalance(user.userId))?.amount).toBe(10);
    expect(await sumLedger(user.userId)).toBe(10);

    const lenient = await createTestTenant({ settings: { billing: { allow_credit: true } } }, [
      'auth',
      'billing:charge',
    ]);
    const debtor = await registerAndLogin(app, lenient.apiKey);
    const debtorId = userIdOf(lenient.tenant.clientId, lenient.tenant.siteId, debtor.email);
    const owed = await charge(
      { user_id: debtorId, amount: 25, description: 'On account', idempotency_key: newKey() },
      lenient.apiKey,
    );
    expect(owed.status).toBe(200);
    expect(owed.body.balance).toEqual({ amount: -25, currency: 'usd' });
  });

  it("S28: another site's user, an unknown user, a key without the scope and bad bodies change nothing", async () => {
    const other = await createTestTenant();
    const stranger = await registerAndLogin(app, other.apiKey);
    const strangerId = userIdOf(other.tenant.clientId, other.tenant.siteId, stranger.email);
    const user = await userWith(100);
    const ok = { user_id: user.userId, amount: 5, description: 'x', idempotency_key: newKey() };
    expect((await charge({ ...ok, user_id: strangerId })).status).toBe(404);
    expect((await charge({ ...ok, user_id: `${site.tenant.id}#nobody@example.com` })).status).toBe(404);
    const noScope = await charge(ok, site.apiKey);
    expect(noScope.status).toBe(403);
    expect(noScope.body.code).toBe('insufficient_scope');
    for (const bad of [
      { ...ok, amount: 0 },
      { ...ok, amount: -5 },
      { ...ok, amount: 1.5 },
      { ...ok, amount: '5' },
      { ...ok, idempotency_key: 'short' },
      { ...ok, idempotency_key: 'has spaces in it' },
      { ...ok, description: '' },
      { ...ok, user_id: undefined },
      { ...ok, extra: true, amount: 1e12 },
    ]) {
      const res = await charge(bad);
      expect(res.status, JSON.stringify(bad)).toBe(422);
    }
    expect((await api.post('/billing/charge', 'not json', { ...withKey(server.apiKey) })).status).toBe(400);
    expect((await getBalance(user.userId))?.amount).toBe(100);
  });
});

describe('GET /billing and /billing/ledger', () => {
  it("show the signed-in user's balance and ledger, newest first, a page at a time", async () => {
    const user = await userWith(300);
    for (const amount of [10, 20, 30]) {
      expect(
        (
          await charge({
            user_id: user.userId,
            amount,
            description: `Item ${amount}`,
            idempotency_key: newKey(),
          })
        ).status,
      ).toBe(200);
    }
    const overview = await api.get('/billing', bearer(user.token));
    expect(overview.status).toBe(200);
    expect(overview.body).toEqual({
      balance: { amount: 240, currency: 'eur' },
      settings: { currency: 'eur', display_currency: 'eur', receipts: false },
      payment_methods: [],
      payments: [],
    });
    const first = await api.get('/billing/ledger?limit=2', bearer(user.token));
    expect(first.body.entries.map((e: { amount: number }) => e.amount)).toEqual([-30, -20]);
    expect(first.body.entries[0]).toMatchObject({
      balance_after: 240,
      kind: 'charge',
      description: 'Item 30',
    });
    // A charge of the balance involves no payment provider.
    expect(first.body.entries[0].provider).toBeUndefined();
    const second = await api.get(
      `/billing/ledger?limit=2&cursor=${encodeURIComponent(first.body.next)}`,
      bearer(user.token),
    );
    expect(second.body.entries.map((e: { amount: number }) => e.amount)).toEqual([-10, 300]);
    expect((await api.get('/billing/ledger?cursor=junk', bearer(user.token))).status).toBe(400);
    expect((await api.get('/billing/ledger?limit=0', bearer(user.token))).status).toBe(422);
    expect((await api.get('/billing')).status).toBe(401);
    // A new user has a zero balance in the site's currency.
    const fresh = await registerAndLogin(app, site.apiKey);
    expect((await api.get('/billing', bearer(fresh.token))).body.balance).toEqual({
      amount: 0,
      currency: 'eur',
    });
  });
});

describe('PUT /billing/settings', () => {
  it("sets the user's display currency and receipts; bad bodies are 422 and change nothing", async () => {
    const user = await userWith(0);
    const put = (body: unknown, headers: Record<string, string> = bearer(user.token)) =>
      api.send('PUT', '/billing/settings', body, headers);
    const saved = await put({ display_currency: 'usd', receipts: true });
    expect(saved.status).toBe(200);
    expect(saved.body.settings).toEqual({ currency: 'eur', display_currency: 'usd', receipts: true });
    expect((await api.get('/billing', bearer(user.token))).body.settings).toEqual(saved.body.settings);
    for (const bad of [
      {},
      { display_currency: 'EUR' },
      { display_currency: 'euro' },
      { receipts: 'yes' },
      { extra: 1 },
      [],
    ]) {
      expect((await put(bad)).status, JSON.stringify(bad)).toBe(422);
    }
    expect((await put({ receipts: false }, {})).status).toBe(401);
    // Only receipts: the display currency stays; null returns to the site's.
    expect((await put({ receipts: false })).body.settings).toEqual({
      currency: 'eur',
      display_currency: 'usd',
      receipts: false,
    });
    expect((await put({ display_currency: null })).body.settings.display_currency).toBe('eur');
  });
});
