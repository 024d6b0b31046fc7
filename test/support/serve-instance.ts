// The app alone on loopback (PORT), for tests that need a second warm instance in a process of its own.
import { serve } from '@hono/node-server';
import { createApp } from '../../src/app';

const port = Number(process.env.PORT);
serve({ fetch: createApp().fetch, port, hostname: '127.0.0.1' }, () => console.log(`listening on ${port}`));
process.once('SIGTERM', () => process.exit(0));
