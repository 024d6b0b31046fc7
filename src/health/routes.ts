// The seed's liveness and readiness routes, byte-compatible with its example bodies.
import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { pingDatabase } from '../core/db/ping';
import { documentRoute } from '../docs/registry';

const status = (value: string) => z.object({ status: z.literal(value) });
documentRoute({
  method: 'get',
  path: '/',
  tag: 'health',
  summary: 'Root',
  responses: { 200: { description: 'OK', schema: z.object({ ok: z.literal(true) }) } },
});
documentRoute({
  method: 'get',
  path: '/health',
  tag: 'health',
  summary: 'Health',
  responses: { 200: { description: 'OK', schema: status('ok') } },
});
documentRoute({
  method: 'get',
  path: '/health/live',
  tag: 'health',
  summary: 'Liveness',
  responses: { 200: { description: 'Live', schema: status('live') } },
});
documentRoute({
  method: 'get',
  path: '/health/ready',
  tag: 'health',
  summary: 'Readiness: DynamoDB answers',
  responses: {
    200: { description: 'Ready', schema: status('ready') },
    503: { description: 'Not ready', schema: status('not_ready') },
  },
});

export const healthRoutes = new Hono<AppEnv>()
  .get('/', (c) => c.json({ ok: true }))
  .get('/health', (c) => c.json({ status: 'ok' }))
  .get('/health/live', (c) => c.json({ status: 'live' }))
  .get('/health/ready', async (c) => {
    c.header('Cache-Control', 'no-store');
    return (await pingDatabase()) ? c.json({ status: 'ready' }) : c.json({ status: 'not_ready' }, 503);
  });
