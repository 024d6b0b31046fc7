// The local HTTP function make dev runs under `tsx watch`: the Hono app on loopback, plus /dev/mail, the demo
// scrape job's fixture page, and the stand-ins for third parties: a fake GitHub (/dev/github: the publisher's
// repository, and its OAuth app for sign-in) and a real local OIDC server in Google's role (/dev/google).
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { config } from '../../handlers/http';
import { createApp } from '../app';
import { assertConfig } from '../core/config';
import { createFakeGitHub } from './fake-github';
import { createFakeGitHubOAuth } from './fake-github-oauth';
import { devFixtureRoutes } from './fixture-routes';
import { createLocalOidc } from './local-oidc';
import { devMailRoutes } from './mail-routes';
import { DEMO_GITHUB_TOKEN, DEMO_OAUTH } from './seed';
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
  process.once(signal, () => server.close(() => process.exit(0)));
}
