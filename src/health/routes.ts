// The seed's liveness and readiness routes, byte-compatible with its example bodies. Served by the app itself, not
// loaded on demand: they are what a cold start is first asked for.
import { pingDatabase } from '../core/db/ping';
import { type DocSchema, defineRoute } from '../docs';
import { featureRouter } from '../middleware/feature';

// Plain JSON Schema, not zod: these routes load with the app, and zod would add ~30 ms to every cold start.
const constant = (name: string, value: unknown): DocSchema => ({
  type: 'object',
  properties: { [name]: { const: value } },
  required: [name],
  additionalProperties: false,
});
const status = (value: string) => constant('status', value);
const health = featureRouter('/');

defineRoute(
  health,
  {
    method: 'get',
    path: '/',
    operationId: 'root',
    tag: 'health',
    summary: 'Root',
    responses: { 200: { description: 'OK', schema: constant('ok', true) } },
  },
  (c) => c.json({ ok: true }),
);
defineRoute(
  health,
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    tag: 'health',
    summary: 'Health',
    responses: { 200: { description: 'OK', schema: status('ok') } },
  },
  (c) => c.json({ status: 'ok' }),
);
defineRoute(
  health,
  {
    method: 'get',
    path: '/health/live',
    operationId: 'liveness',
    tag: 'health',
    summary: 'Liveness',
    responses: { 200: { description: 'Live', schema: status('live') } },
  },
  (c) => c.json({ status: 'live' }),
);
defineRoute(
  health,
  {
    method: 'get',
    path: '/health/ready',
    operationId: 'readiness',
    tag: 'health',
    summary: 'Readiness: DynamoDB answers',
    responses: {
      200: { description: 'Ready', schema: status('ready') },
      503: { description: 'Not ready', schema: status('not_ready') },
    },
  },
  async (c) => {
    c.header('Cache-Control', 'no-store');
    return (await pingDatabase()) ? c.json({ status: 'ready' }) : c.json({ status: 'not_ready' }, 503);
  },
);

export default health;
