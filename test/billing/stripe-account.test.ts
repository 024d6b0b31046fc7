// A site's Stripe account in the console (issue 18; S46): the secret key and webhook signing secret go to Secrets
// Manager and are never shown again (the form says whether each is set; empty keeps it); currency, credit and price
// ids are the site's settings; bad input re-renders the form and saves nothing; another site's admin gets a 404.
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { billingSettings } from '../../src/billing/settings';
import { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, stripeSecrets } from '../../src/billing/stripe-account';
import { getTenantById } from '../../src/core/db/tenants';
import { setUserRoles, userIdOf } from '../../src/core/db/users';
import { consoleBrowser } from '../support/console';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const PASSWORD = 'billing settings passphrase';
const ROOT = uniqueEmail('billing-root');
let site: TestTenant;
let root: ReturnType<typeof consoleBrowser>;

beforeAll(async () => {
  site = await createTestTenant();
  await createPlatformAdmin({ email: ROOT, password: PASSWORD });
  root = consoleBrowser(app);
  await root.signIn(ROOT, PASSWORD);
});

const page = () => `/admin/tenants/${encodeURIComponent(site.tenant.id)}`;
const SECRET_KEY = 'sk_test_51LocalExampleKey0123456789';
const WEBHOOK_SECRET = 'whsec_LocalExampleSigningSecret0123';

describe("the console's Billing form", () => {
  it('S46: stores the Stripe keys write-only, and the currency, credit and prices as settings', async () => {
    const form = await root.get(page());
    expect(form.html).toContain('Register this webhook endpoint in Stripe');
    expect(form.html).toContain(`/billing/webhook/${encodeURIComponent(site.tenant.clientId)}/Site`);
    const saved = await root.post(`${page()}/billing`, {
      csrf_token: root.csrfFrom(form.html),
      stripe_secret_key: SECRET_KEY,
      stripe_webhook_secret: WEBHOOK_SECRET,
      currency: 'EUR',
      price_ids: 'price_1Topup10\nprice_1Monthly',
      allow_credit: 'on',
    });
    expect(saved.res.status).toBe(303);
    expect(await stripeSecrets.read(site.tenant.id, STRIPE_SECRET_KEY)).toBe(SECRET_KEY);
    expect(await stripeSecrets.read(site.tenant.id, STRIPE_WEBHOOK_SECRET)).toBe(WEBHOOK_SECRET);
    const tenant = await getTenantById(site.tenant.id);
    expect(billingSettings(tenant as never).billing).toEqual({
      currency: 'eur',
      allow_credit: true,
      price_ids: ['price_1Topup10', 'price_1Monthly'],
    });
    const after = await root.get(page());
    expect(after.html).not.toContain(SECRET_KEY);
    expect(after.html).not.toContain(WEBHOOK_SECRET);
    expect(after.html.match(/Set\./g)?.length).toBeGreaterThanOrEqual(2);

    // Empty secret fields keep what is set.
    const kept = await root.post(`${page()}/billing`, {
      csrf_token: root.csrfFrom(after.html),
      stripe_secret_key: '',
      stripe_webhook_secret: '',
      currency: 'usd',
      price_ids: '',
    });
    expect(kept.res.status).toBe(303);
    expect(await stripeSecrets.read(site.tenant.id, STRIPE_SECRET_KEY)).toBe(SECRET_KEY);
    expect(billingSettings((await getTenantById(site.tenant.id)) as never).billing.currency).toBe('usd');
  });

  it('bad keys, currencies and prices re-render the form with the reason and save nothing', async () => {
    const other = await createTestTenant();
    const path = `/admin/tenants/${encodeURIComponent(other.tenant.id)}`;
    const form = await root.get(path);
    for (const [bad, message] of [
      [{ stripe_secret_key: 'pk_test_publishable0123456789' }, 'a Stripe secret key'],
      [{ stripe_webhook_secret: 'not-a-secret' }, 'signing secret (whsec_'],
      [{ currency: 'euro' }, 'three-letter ISO 4217'],
      [{ price_ids: 'prod_123456' }, 'Stripe price ids'],
    ] as const) {
      const res = await root.post(`${path}/billing`, {
        csrf_token: root.csrfFrom(form.html),
        currency: 'usd',
        ...bad,
      });
      expect(res.res.status, JSON.stringify(bad)).toBe(422);
      expect(res.html).toContain(message);
    }
    expect(await stripeSecrets.has(other.tenant.id, STRIPE_SECRET_KEY)).toBe(false);
    expect(await stripeSecrets.has(other.tenant.id, STRIPE_WEBHOOK_SECRET)).toBe(false);
    expect((await root.post(`${path}/billing`, { currency: 'usd' })).res.status).toBe(403);
  });

  it("is another site's admin's 404", async () => {
    const mine = await createTestTenant();
    const admin = await registerAndLogin(app, mine.apiKey);
    await setUserRoles(userIdOf(mine.tenant.clientId, mine.tenant.siteId, admin.email), ['tenant_admin']);
    const browser = consoleBrowser(app);
    await browser.signIn(admin.email, admin.password);
    const own = await browser.get(`/admin/tenants/${encodeURIComponent(mine.tenant.id)}`);
    const res = await browser.post(`${page()}/billing`, {
      csrf_token: browser.csrfFrom(own.html),
      stripe_secret_key: 'sk_test_51Intruder0123456789',
      currency: 'usd',
    });
    expect(res.res.status).toBe(404);
    expect(await stripeSecrets.read(site.tenant.id, STRIPE_SECRET_KEY)).toBe(SECRET_KEY);
  });
});
