// API keys carry scopes; a route that needs one refuses keys without it (403), after requireTenant.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { ForbiddenError } from '../core/errors';

export const requireScope = (scope: string): MiddlewareHandler<AppEnv> =>
  async function requireScope(c, next) {
    if (!c.var.tenantKey.apiKey.scopes.includes(scope)) {
      throw new ForbiddenError(`This API key lacks the ${scope} scope`, 'insufficient_scope');
    }
    await next();
  };
