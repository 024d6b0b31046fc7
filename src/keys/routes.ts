// Publishes the public signing keys so sites can verify our ES256 access tokens offline.
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { tokens } from '../core/jwt';

export const keysRoutes = new Hono<AppEnv>().get('/.well-known/jwks.json', async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json(await tokens().jwks());
});
