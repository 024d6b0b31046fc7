// The local server make dev runs under `tsx watch`: the Hono app on loopback, /dev/mail, and the SQS event sources.
import { serve } from '@hono/node-server';
import { createApp } from '../app';
import { startTemplateEventSources } from './event-sources';
import { devMailRoutes } from './mail-routes';

const port = Number(process.env.PORT ?? 3000);
const app = createApp();
app.route('/', devMailRoutes);

const events = await startTemplateEventSources();
const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => {
  console.log(
    `[serve] listening on http://localhost:${port}; polling ${events.names.join(', ') || 'no queues'}`,
  );
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void events.stop();
    server.close(() => process.exit(0));
  });
}
