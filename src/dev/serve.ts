// The local HTTP function make dev runs under `tsx watch`: the Hono app on loopback, plus /dev/mail, the demo
// scrape job's fixture page, and the stand-ins for third parties: a fake GitHub (/dev/github: the publisher's
// repository, and its OAuth app for sign-in), a real local OIDC server in Google's role (/dev/google), and a fake
// Stripe: its API on its own port (STRIPE_API_URL), its checkout and portal pages and event list under /dev/stripe.
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { getRequestListener, serve } from '@hono/node-server';
import { config } from '../../handlers/http';
import { createApp } from '../app';
import { assertConfig } from '../core/config';
import { devBillingRoutes } from './billing-demo-page';
import { createFakeGitHub } from './fake-github';
import { createFakeGitHubOAuth } from './fake-github-oauth';
import { createFakeStripe } from './fake-stripe';
import { devFixtureRoutes } from './fixture-routes';
import { createLocalOidc } from './local-oidc';
import { devMailRoutes } from './mail-routes';
import { DEMO, DEMO_GITHUB_TOKEN, DEMO_OAUTH, DEMO_STRIPE } from './seed';
import { devSignedInRoutes } from './signed-in-page';

// The same init check as the Lambda entry: this process has HttpFunction's environment and nothing else.
assertConfig(config);
const port = Number(process.env.PORT ?? 3000);
const base = `http://localhost:${port}`;
const publicBase = (process.env.PUBLIC_BASE_URL ?? base).replace(/\/+$/, '');
const app = createApp();
app.route('/', devMailRoutes);
app.route('/', devFixtureRoutes);
// The demo site's landing page for sign-ins (redirect_uri): exchanges the code and shows who signed in.
app.route('/', devSignedInRoutes);
// The demo site's "Continue with GitHub" (OAUTH_GITHUB_URL in make dev); before the
// repository browser, whose /dev/github/:owner/:repo/:branch/* would take its paths.
const githubOAuth = createFakeGitHubOAuth();
githubOAuth.addClient(
  DEMO_OAUTH.github.clientId,
  DEMO_OAUTH.github.secret,
  `${publicBase}/auth/oauth/github/callback`,
);
app.route('/', githubOAuth.app);
// The publisher commits here (GITHUB_API_URL in make dev); /dev/github shows the commits and files. In memory:
// a reload of this server starts the repository over.
const github = createFakeGitHub();
github.createRepo('demo', 'site', 'main', DEMO_GITHUB_TOKEN);
app.route('/', github.app);
// The demo site's Stripe account (STRIPE_API_URL in make dev): state kept in .data, so a reload keeps customers.
const stripe = createFakeStripe({
  pagesBase: `${publicBase}/dev/stripe`,
  stateFile: resolve(process.env.LAMBDALITH_DATA_DIR ?? '.data', 'fake-stripe.json'),
});
stripe.addAccount({
  secretKey: DEMO_STRIPE.secretKey,
  webhookSecret: DEMO_STRIPE.webhookSecret,
  endpoint: `${base}/billing/webhook/${DEMO.clientId}/${DEMO.siteId}`,
});
for (const price of Object.values(DEMO_STRIPE.prices)) stripe.addPrice(DEMO_STRIPE.secretKey, price);
app.route('/', stripe.pages);
app.route('/', devBillingRoutes);
const stripeApi = new URL(process.env.STRIPE_API_URL ?? 'http://127.0.0.1:12111');
const stripeServer = serve({ fetch: stripe.api.fetch, port: Number(stripeApi.port), hostname: '127.0.0.1' });
// The demo site's "Continue with Google" (OAUTH_GOOGLE_ISSUER in make dev).
const google = await createLocalOidc({
  issuer: `${base}/dev/google`,
  mountPath: '/dev/google',
  clients: [
    {
      clientId: DEMO_OAUTH.google.clientId,
      clientSecret: DEMO_OAUTH.google.secret,
      redirectUris: [`${publicBase}/auth/oauth/google/callback`],
    },
  ],
});

const honoListener = getRequestListener(app.fetch);
const server = createServer((req, res) => {
  if (!google.handle(req, res)) void honoListener(req, res);
});
server.listen(port, '127.0.0.1', () => console.log(`[serve] listening on http://localhost:${port}`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stripeServer.close();
    server.close(() => process.exit(0));
  });
}
