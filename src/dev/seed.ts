// Seeds the seed document's demo site so its frontend examples work unchanged against make dev.
import { clock } from '../core/clock';
import { putApiKey } from '../core/db/api-keys';
import { newTenant, putTenant } from '../core/db/tenants';
import { SCOPE_NAMES } from '../core/scopes';
import { apiKeyPepper, hashApiKey } from '../core/tenants';

export const DEMO = {
  apiKey: 'site_a_key_abc123',
  clientId: 'ClientCustomerC',
  siteId: 'SiteA',
  name: 'Site A (demo)',
  allowedOrigins: ['http://localhost:5173', 'http://localhost:3000'],
} as const;

/**
 * Idempotent: rewrites the demo tenant and its key on every start. `ownOrigin` (the dev server's, when it is not on
 * port 3000) joins the allowed origins, so its pages (/dev/signed-in, the hosted sign-in page) are the site's own.
 */
export async function seedDemoTenant(ownOrigin?: string): Promise<void> {
  const createdAt = new Date(clock.now()).toISOString();
  await putTenant(
    newTenant({
      clientId: DEMO.clientId,
      siteId: DEMO.siteId,
      name: DEMO.name,
      allowedOrigins: [...new Set([...DEMO.allowedOrigins, ...(ownOrigin ? [ownOrigin] : [])])],
      // No reset_url/verify_url: the demo site uses the hosted pages under PUBLIC_BASE_URL (http://localhost:3000).
      settings: {
        email: { product_name: 'Site A' },
        // Sign-in links on, so POST /auth/magic-link works from the demo (the email shows up at /dev/mail).
        magic_links: true,
        // "Continue with Google / GitHub" against make dev's local OIDC server (/dev/google) and fake GitHub.
        oauth: {
          google: { enabled: true, client_id: DEMO_OAUTH.google.clientId },
          github: { enabled: true, client_id: DEMO_OAUTH.github.clientId },
        },
        // Publishing to make dev's local fake GitHub (served at /dev/github), with DEMO_GITHUB_TOKEN.
        publish: { enabled: true, repo: 'demo/site', branch: 'main', folder: '' },
      },
      createdAt,
    }),
  );
  await putApiKey({
    keyHash: hashApiKey(DEMO.apiKey, await apiKeyPepper()),
    clientId: DEMO.clientId,
    siteId: DEMO.siteId,
    name: 'demo key',
    // Every scope, so each feature works from the demo site (make dev's banner says so).
    scopes: SCOPE_NAMES,
    status: 'active',
    createdAt,
  });
}

/** The token the local fake GitHub's demo/site repository accepts (make dev only). */
export const DEMO_GITHUB_TOKEN = 'github_pat_local_demo_0000000000000000';

/** The demo site's GitHub token, in local Secrets Manager where the publisher reads it. */
export async function seedDemoPublishing(): Promise<void> {
  const { saveToken } = await import('../publish/token');
  await saveToken(`${DEMO.clientId}#${DEMO.siteId}`, DEMO_GITHUB_TOKEN);
}

/** The demo site's OAuth clients, registered with the local providers (make dev only). */
export const DEMO_OAUTH = {
  google: { clientId: 'lambdalith-demo.apps.local-google', secret: 'local-google-demo-secret' },
  github: { clientId: 'Iv1.lambdalithdemo', secret: 'local-github-demo-secret' },
} as const;

/** The demo site's client secrets, in local Secrets Manager where the OAuth callback reads them. */
export async function seedDemoSignInMethods(): Promise<void> {
  const { clientSecrets } = await import('../auth/oauth/secrets');
  const tenantId = `${DEMO.clientId}#${DEMO.siteId}`;
  await clientSecrets.save(tenantId, DEMO_OAUTH.google.secret, 'google');
  await clientSecrets.save(tenantId, DEMO_OAUTH.github.secret, 'github');
}

export const DEMO_USER = { email: 'demo@example.com', password: 'demo secret passphrase' } as const;

/**
 * A demo user with a secret-message key, so /s/{inbox} and /secrets work from the banner. Made through the API
 * itself, as a site would; on later starts it only looks the inbox up. Undefined if the demo password was changed.
 */
export async function seedDemoSecrets(): Promise<{ inbox: string } | undefined> {
  const { createApp } = await import('../app');
  const app = createApp();
  const call = async (path: string, body?: unknown, token?: string) => {
    const res = await app.request(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': DEMO.apiKey,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  await call('/auth/register', DEMO_USER);
  const login = await call('/auth/login', DEMO_USER);
  if (!login.body.token) return undefined;
  const existing = await call('/secrets/keys', undefined, login.body.token);
  if (existing.status === 200) return { inbox: existing.body.inbox as string };
  const made = await call('/secrets/keys', { password: DEMO_USER.password }, login.body.token);
  return made.status === 201 ? { inbox: made.body.inbox as string } : undefined;
}

/**
 * The demo site's scrape job, watching make dev's own fixture page every minute (prices move each minute), with
 * change notices to the demo user's inbox at /dev/mail. Made through the API once; later starts find it.
 */
export async function seedDemoScrapeJob(baseUrl: string): Promise<{ id: string } | undefined> {
  const { createApp } = await import('../app');
  const app = createApp();
  const headers = { 'content-type': 'application/json', 'x-api-key': DEMO.apiKey };
  const listed = await app.request('/scrape/jobs', { headers });
  if (listed.status !== 200) return undefined;
  const { jobs } = (await listed.json()) as { jobs: { id: string; name: string }[] };
  const existing = jobs.find((job) => job.name === 'Demo shop prices');
  if (existing) return { id: existing.id };
  const created = await app.request('/scrape/jobs', {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: 'Demo shop prices',
      urls: [`${baseUrl}/dev/fixtures/shop`],
      schedule: { expression: 'rate(1 minute)', timezone: 'UTC' },
      fields: [
        { name: 'espresso_price', selector: 'li.product:nth-child(1) .price', type: 'price' },
        { name: 'grinder_price', selector: 'li.product:nth-child(2) .price', type: 'price' },
        { name: 'espresso_stock', selector: 'li.product:nth-child(1) .stock', type: 'number' },
      ],
      ignore: [{ text: 'Page generated at' }],
      notify: { emails: [DEMO_USER.email] },
      retention_days: 7,
    }),
  });
  if (created.status !== 201) return undefined;
  return { id: ((await created.json()) as { job: { id: string } }).job.id };
}

/** The demo site's account at make dev's local Stripe (served by the dev server; never api.stripe.com). */
export const DEMO_STRIPE = {
  secretKey: 'sk_test_localdemo0000000000000000',
  webhookSecret: 'whsec_localdemo0000000000000000',
  prices: {
    credits: { id: 'price_demoCredits1000', unit_amount: 1000, currency: 'usd', product: 'Credit pack' },
    monthly: {
      id: 'price_demoMonthly900',
      unit_amount: 900,
      currency: 'usd',
      interval: 'month' as const,
      product: 'Monthly plan',
    },
  },
} as const;

/** The demo site's Stripe account, set as an operator would in the console (secrets in local Secrets Manager). */
export async function seedDemoBilling(): Promise<void> {
  const { saveStripeAccount } = await import('../billing');
  const { getTenantById, putTenant } = await import('../core/db/tenants');
  const tenant = await getTenantById(`${DEMO.clientId}#${DEMO.siteId}`);
  if (!tenant) return;
  const form: Record<string, string> = {
    currency: 'usd',
    price_ids: Object.values(DEMO_STRIPE.prices)
      .map((p) => p.id)
      .join('\n'),
    stripe_secret_key: DEMO_STRIPE.secretKey,
    stripe_webhook_secret: DEMO_STRIPE.webhookSecret,
    allow_credit: '',
  };
  const saved = await saveStripeAccount(tenant, (name) => form[name] ?? '');
  if ('tenant' in saved) await putTenant(saved.tenant);
}
