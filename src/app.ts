// Builds the one Hono app that serves every HTTP route, on Lambda and locally alike: shared middleware, the
// health routes, and a lazily loaded router per feature prefix (see features.ts).
import { Hono } from 'hono';
import type { AppEnv } from './app-env';
import { FEATURES } from './features';
import health from './health/routes';
import { httpConfig } from './http-config';
import { accessLog } from './middleware/access-log';
import { bodyLimit } from './middleware/body-limit';
import { cors } from './middleware/cors';
import { errorHandler, notFoundHandler } from './middleware/errors';
import { mountFeatures } from './middleware/feature';
import { requestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';

/** Console and hosted pages: same-origin only, whatever origins the sites allow (S31). */
const PAGE_PREFIXES = [
  '/admin',
  '/assets',
  '/reset',
  '/verify-email',
  '/magic-link',
  '/login',
  '/docs',
  '/dev',
];

export function createApp(): Hono<AppEnv> {
  // Validate configuration up front: a misconfigured function fails at init, with every problem named.
  const config = httpConfig();
  const app = new Hono<AppEnv>();

  app.use(
    requestId(),
    accessLog(),
    securityHeaders(),
    cors({ sameOriginOnly: PAGE_PREFIXES }),
    bodyLimit({ maxBytes: config.maxBodyBytes }),
  );
  // /, /health, /health/live, /health/ready: served at once, they are what a cold start is first asked for.
  app.route('/', health);
  // /.well-known /auth /user /email /reset /verify-email /admin /docs /openapi.json /assets
  mountFeatures(app, FEATURES);

  app.notFound(notFoundHandler(app));
  app.onError(errorHandler);
  return app;
}
