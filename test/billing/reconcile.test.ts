// The daily billing reconciliation (issue 18): each balance against its ledger, a sample of recent entries against
// Stripe (the local fake, through the real SDK); drift is a security event, the alert rules open a billing_drift
// alert on it and email the platform admins. This file has its own Billing, Tenants, Users and AuditLog tables, so
// its sites, balances, feed and admins are its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownTables } from '../support/own-tables';

await ownTables({
  BILLING_TABLE: 'BillingTable',
  TENANTS_TABLE: 'TenantsTable',
  USERS_TABLE: 'UsersTable',
  AUDIT_TABLE: 'AuditLogTable',
});
const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
const { createApp } = await import('../../src/app');
const { createPlatformAdmin } = await import('../../src/admin/bootstrap');
const { documentClient } = await import('../../src/core/db/client');
const { getBalance, postLedgerEntry } = await import('../../src/core/db/billing');
const { listAlerts } = await import('../../src/core/db/alerts');
const { querySecurityEvents } = await import('../../src/core/db/security-log');
const { userIdOf } = await import('../../src/core/db/users');
const { evaluateAlerts } = await import('../../src/security/run');
const { bearer, client } = await import('../support/http');
const { emailJobs } = await import('../support/queued-jobs');
const { connectStripe, startLocalStripe } = await import('../support/stripe');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin, uniqueEmail } = await import('../support/users');

// The handler checks its config on import: after the fake Stripe's address is set (beforeAll).
const handler = async () => (await import('../../handlers/billing-reconcile')).handler();
const app = createApp();
const api = client(app);
const ADMIN = uniqueEmail('billing-admin');
let local: Awaited<ReturnType<typeof startLocalStripe>>;
const users: { userId: string; paymentIntent: string }[] = [];

beforeAll(async () => {
  local = await startLocalStripe(app);
  const site = await createTestTenant();
  await connectStripe(local, site);
  await createPlatformAdmin({ email: ADMIN, password: 'billing admin passphrase' });
  for (const amount of [500, 800]) {
    const user = await registerAndLogin(app, site.apiKey);
    const started = await api.post(
      '/billing/checkout',
      { amount, success_url: 'https://app.example.com/ok', cancel_url: 'https://app.example.com/no' },
      bearer(user.token),
    );
    if (started.status !== 200) throw new Error(`checkout: ${started.status} ${started.text}`);
    local.fake.completeCheckout(started.body.id);
    await local.fake.idle();
    users.push({
      userId: userIdOf(site.tenant.clientId, site.tenant.siteId, user.email),
      paymentIntent: (local.fake.object(started.body.id) as Record<string, string>).payment_intent as string,
    });
  }
}, 60_000);
afterAll(() => local.close());

describe('BillingReconcileFunction', () => {
  it('finds nothing wrong when every balance is its ledger and Stripe agrees with the sample', async () => {
    expect((await getBalance(users[0]?.userId as string))?.amount).toBe(500);
    expect(await handler()).toEqual({
      sites: 2, // the test site and the platform's own
      balances: 2,
      sampled: 2,
      unchecked: 0,
      drifts: 0,
    });
    expect((await querySecurityEvents({ category: 'billing_drift' })).events).toEqual([]);
  });

  it('S47: a balance moved without its ledger entry, and a credit Stripe never paid, are drift: audited, alerted and emailed', {
    timeout: 60_000,
  }, async () => {
    const [first, second] = users as [(typeof users)[0], (typeof users)[0]];
    // A balance written behind the ledger's back...
    await documentClient.send(
      new UpdateCommand({
        TableName: process.env.BILLING_TABLE,
        Key: { pk: first.userId, sk: 'BALANCE' },
        UpdateExpression: 'SET amount = amount + :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    // ...and the same payment credited twice (its ledger sums, but Stripe received 800 once).
    await postLedgerEntry(second.userId, {
      amount: 800,
      currency: 'usd',
      kind: 'top_up',
      ref: second.paymentIntent,
    });
    const result = (await handler()) as { drifts: number; sampled: number };
    expect(result.drifts).toBeGreaterThanOrEqual(2);
    const feed = await querySecurityEvents({ category: 'billing_drift' });
    expect(feed.events).toHaveLength(1);
    expect(feed.events[0]).toMatchObject({ event: 'billing_reconcile_drift', severity: 'high' });
    expect(feed.events[0]?.detail).toMatchObject({ ledger_sum: 1 });

    const evaluation = await evaluateAlerts();
    const drift = evaluation.opened.find((a) => a.rule === 'billing_drift');
    expect(drift).toMatchObject({ severity: 'high', scope: expect.stringContaining('Client') });
    expect((await listAlerts(['open'])).map((a) => a.rule)).toContain('billing_drift');
    const emails = (await emailJobs()).filter((j) => j.template === 'notification' && j.to === ADMIN);
    expect(emails.map((j) => j.data.title)).toEqual([expect.stringContaining('Billing drift')]);
  });
});
