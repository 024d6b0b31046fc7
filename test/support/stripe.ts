// The local fake Stripe for the billing tests: its API on a loopback port that the real `stripe` SDK is pointed at
// (STRIPE_API_URL), and the app on another, so events are signed and delivered over HTTP exactly as Stripe does.
// Each test site gets its own Stripe account (secret key, webhook signing secret, endpoint), saved the way the
// console saves them.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/app-env';
import { STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, stripeSecrets } from '../../src/billing/stripe-account';
import { createFakeStripe, type FakeStripe } from '../../src/dev/fake-stripe';
import type { TestTenant } from './tenants';

async function listen(
  fetch: (req: Request) => Response | Promise<Response>,
): Promise<{ url: string; server: Server }> {
  const server = createServer(getRequestListener(fetch));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

export type LocalStripe = { fake: FakeStripe; appUrl: string; close: () => Promise<void> };

/** Starts the fake and serves `app`; call before anything reads the billing config. */
export async function startLocalStripe(app: Hono<AppEnv>): Promise<LocalStripe> {
  const fake = createFakeStripe({ pagesBase: 'http://127.0.0.1/dev/stripe' });
  const api = await listen(fake.api.fetch);
  const served = await listen(app.fetch);
  process.env.STRIPE_API_URL = api.url;
  return {
    fake,
    appUrl: served.url,
    close: async () => {
      await fake.idle();
      api.server.close();
      served.server.close();
    },
  };
}

export type StripeAccount = { secretKey: string; webhookSecret: string };

/** A Stripe account for the site, registered with the fake and saved as the console saves it. */
export async function connectStripe(local: LocalStripe, site: TestTenant): Promise<StripeAccount> {
  const account = {
    secretKey: `sk_test_${randomBytes(12).toString('hex')}`,
    webhookSecret: `whsec_${randomBytes(12).toString('hex')}`,
  };
  local.fake.addAccount({
    ...account,
    endpoint: `${local.appUrl}/billing/webhook/${encodeURIComponent(site.tenant.clientId)}/${encodeURIComponent(site.tenant.siteId)}`,
  });
  await stripeSecrets.save(site.tenant.id, account.secretKey, STRIPE_SECRET_KEY);
  await stripeSecrets.save(site.tenant.id, account.webhookSecret, STRIPE_WEBHOOK_SECRET);
  return account;
}
