// Builds the one Hono app that serves every HTTP route, on Lambda and locally alike.
import { Hono } from 'hono';
import { accountRoutes } from './admin/account-pages';
import { auditPages } from './admin/audit-pages';
import { adminRoutes } from './admin/routes';
import { tenantPages } from './admin/tenant-pages';
import { userPages } from './admin/user-pages';
import type { AppEnv } from './app-env';
import { authRoutes } from './auth/routes';
import { getConfig } from './core/config';
import { docsRoutes } from './docs/routes';
import { emailRoutes } from './email/routes';
import { healthRoutes } from './health/routes';
import { keysRoutes } from './keys/routes';
import { mfaRoutes } from './mfa/routes';
import { accessLog } from './middleware/access-log';
import { bodyLimit } from './middleware/body-limit';
import { cors } from './middleware/cors';
import { errorHandler, notFoundHandler } from './middleware/errors';
import { requestId } from './middleware/request-id';
import { securityHeaders } from './middleware/security-headers';
import { pageRoutes } from './pages/routes';
import { userRoutes } from './users/routes';

export function createApp(): Hono<AppEnv> {
  // Validate configuration up front: a misconfigured function fails at init, with every problem named.
  const config = getConfig();
  const app = new Hono<AppEnv>();

  app.use(
    requestId(),
    accessLog(),
    securityHeaders(),
    cors({ sameOriginOnly: ['/admin', '/assets', '/reset', '/verify-email', '/docs', '/dev'] }),
    bodyLimit({ maxBytes: config.maxBodyBytes }),
  );

  app.route('/', healthRoutes);
  app.route('/', keysRoutes);
  app.route('/', authRoutes);
  app.route('/', mfaRoutes);
  app.route('/', userRoutes);
  app.route('/', emailRoutes);
  app.route('/', docsRoutes);
  app.route('/', pageRoutes);
  app.route('/', adminRoutes);
  app.route('/', tenantPages);
  app.route('/', userPages);
  app.route('/', auditPages);
  app.route('/', accountRoutes);

  app.notFound(notFoundHandler(app));
  app.onError(errorHandler);
  return app;
}
