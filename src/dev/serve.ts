// The local HTTP function make dev runs under `tsx watch`: the Hono app on loopback, plus /dev/mail and the demo
// scrape job's fixture page.
import { serve } from '@hono/node-server';
import { config } from '../../handlers/http';
import { createApp } from '../app';
import { assertConfig } from '../core/config';
import { createFakeGitHub } from './fake-github';
import { devFixtureRoutes } from './fixture-routes';
import { devMailRoutes } from './mail-routes';
import { DEMO_GITHUB_TOKEN } from './seed';

// The same init check as the Lambda entry: this process has HttpFunction's environment and nothing else.
assertConfig(config);
const port = Number(process.env.PORT ?? 3000);
const app = createApp();
app.route('/', devMailRoutes);
app.route('/', devFixtureRoutes);
// The publisher commits here (GITHUB_API_URL in make dev); /dev/github shows the commits and files. In memory:
// a reload of this server starts the repository over.
const github = createFakeGitHub();
github.createRepo('demo', 'site', 'main', DEMO_GITHUB_TOKEN);
app.route('/', github.app);

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => {
  console.log(`[serve] listening on http://localhost:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
