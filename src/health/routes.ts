// The seed's liveness and readiness routes, byte-compatible with its example bodies.
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { pingDatabase } from '../core/db/ping';

export const healthRoutes = new Hono<AppEnv>()
  .get('/', (c) => c.json({ ok: true }))
  .get('/health', (c) => c.json({ status: 'ok' }))
  .get('/health/live', (c) => c.json({ status: 'live' }))
  .get('/health/ready', async (c) => {
    c.header('Cache-Control', 'no-store');
    return (await pingDatabase()) ? c.json({ status: 'ready' }) : c.json({ status: 'not_ready' }, 503);
  });
