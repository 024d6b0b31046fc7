// The console's billing pages in Chromium (issue 18): a platform admin opens a user's billing (balance, payments,
// ledger), refunds part of a top-up with a fresh authenticator code (a Stripe refund at the local fake; the ledger
// entry arrives with Stripe's signed webhook), is told plainly when an amount is more than is left unspent (nothing
// refunded), and reads the site's 30-day summary. No console errors but the refused form's 422.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { totpAt } from '../../src/auth/mfa/totp';
import { getBalance } from '../../src/core/db/billing';
import { userIdOf } from '../../src/core/db/users';
import { consoleErrors, launchBrowser, signInWithAuthenticator } from '../support/browser';
import { bearer, client, withKey } from '../support/http';
import { connectStripe, type LocalStripe, type StripeAccount, startLocalStripe } from '../support/stripe';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
let local: LocalStripe;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let site: TestTenant;
let account: StripeAccount;

beforeAll(async () => {
  browser = await launchBrowser();
  local = await startLocalStripe(app);
  site = await createTestTenant({ name: 'Billing Drill Site' }, ['auth', 'billing:charge']);
  account = await connectStripe(local, site);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await local?.close();
});

describe('the console billing pages', () => {
  it("shows a user's balance, payments and ledger, refunds with a step-up, and summarises the site", {
    timeout: 90_000,
  }, async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const userId = userIdOf(site.tenant.clientId, site.tenant.siteId, user.email);
    const started = await client(app).post(
      '/billing/checkout',
      { amount: 800, success_url: 'https://app.example.com/ok', cancel_url: 'https://app.example.com/no' },
      bearer(user.token),
    );
    local.fake.completeCheckout(started.body.id);
    await local.fake.idle();
    const payment = (local.fake.object(started.body.id) as Record<string, string>).payment_intent as string;
    // The site's server spends most of it.
    const charged = await client(app).post(
      '/billing/charge',
      { user_id: userId, amount: 600, description: 'Reports', idempotency_key: `reports-${Date.now()}` },
      withKey(site.apiKey),
    );
    expect(charged.body.balance).toEqual({ amount: 200, currency: 'usd' });

    const base = local.appUrl.replace('127.0.0.1', 'localhost');
    const admin = uniqueEmail('billing-admin');
    await createPlatformAdmin({ email: admin, password: 'billing page passphrase' });
    const seeds = new Map<string, string>();
    const page = await browser.newPage();
    const problems = consoleErrors(page);
    await signInWithAuthenticator(page, base, admin, 'billing page passphrase', seeds);

    await page.goto(`${base}/admin/users/${encodeURIComponent(userId)}`);
    await page.getByRole('link', { name: /Billing: balance, payments/ }).click();
    await expect(page.locator('#balance').textContent()).resolves.toBe('$2.00');
    await page.getByRole('table', { name: 'Payments' }).getByText(payment).waitFor();
    await page.getByRole('table', { name: 'Ledger' }).getByRole('cell', { name: 'top_up' }).waitFor();

    // More than is left unspent: the form comes back saying so, and Stripe was asked nothing.
    const refund = page.getByRole('form', { name: `Refund ${payment}` });
    await refund.getByLabel(/Amount/).fill('300');
    await refund
      .getByLabel('Authenticator code (if asked)')
      .fill(await totpAt(seeds.get(admin) as string, Date.now() / 1000 + 30));
    await refund.getByRole('button', { name: 'Refund' }).click();
    await page.getByText('Amount: at most 200, the balance: the rest has been spent').waitFor();
    expect(local.fake.events(account.secretKey, 'charge.refunded')).toEqual([]);

    // Within the step-up's five minutes, no new code is needed.
    await page
      .getByRole('form', { name: `Refund ${payment}` })
      .getByLabel(/Amount/)
      .fill('150');
    await page
      .getByRole('form', { name: `Refund ${payment}` })
      .getByRole('button', { name: 'Refund' })
      .click();
    await page.getByText('Refund made in Stripe').waitFor();
    await local.fake.idle();
    expect((await getBalance(userId))?.amount).toBe(50);
    await page.reload();
    await expect(page.locator('#balance').textContent()).resolves.toBe('$0.50');
    await page.getByRole('table', { name: 'Ledger' }).getByRole('cell', { name: '-$1.50' }).waitFor();
    await page
      .getByRole('table', { name: 'Payments' })
      .getByRole('cell', { name: '$1.50', exact: true })
      .waitFor();

    await page.goto(`${base}/admin/tenants/${encodeURIComponent(site.tenant.id)}/billing`);
    await page.getByRole('row', { name: /Top-ups 1 \$8\.00/ }).waitFor();
    await page.getByRole('row', { name: /Refunds 1 -\$1\.50/ }).waitFor();
    await page.getByRole('row', { name: /Charges 1 -\$6\.00/ }).waitFor();
    await page.getByRole('row', { name: /Total held \$0\.50/ }).waitFor();

    await page.goto(`${base}/admin/audit?tenant=${encodeURIComponent(site.tenant.id)}`);
    await page.getByText('admin_billing_refund').first().waitFor();
    // The refused amount's page is a 422 (the form re-rendered), which Chromium reports; nothing else.
    expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
  });
});
