// Publishes the public signing keys so sites can verify our ES256 access tokens offline.
import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { tokens } from '../core/jwt';
import { documentRoute } from '../docs/registry';

documentRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tag: 'keys',
  summary: 'Public keys for verifying access tokens offline (ES256; empty with HS256)',
  responses: {
    200: { description: 'JWK set', schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) },
  },
});

export const keysRoutes = new Hono<AppEnv>().get('/.well-known/jwks.json', async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(await tokens().jwks());
});
