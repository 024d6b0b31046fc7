// Serves the Hono app on loopback with Node's HTTP server; make dev runs this under `tsx watch` for reloads.
import { serve } from '@hono/node-server';
import { createApp } from '../app';

const port = Number(process.env.PORT ?? 3000);
const server = serve({ fetch: createApp().fetch, port, hostname: '127.0.0.1' }, () => {
  console.log(`[serve] listening on http://localhost:${port}`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
