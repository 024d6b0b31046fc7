// Resolves the calling site from its x-api-key header (never the query string, S14) into c.var.tenantKey.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { type TenantResolver, tenantResolver } from '../core/tenants';

export const requireTenant = ({
  header = 'x-api-key',
  resolver,
}: {
  header?: string;
  resolver?: TenantResolver;
} = {}): MiddlewareHandler<AppEnv> =>
  async function requireTenant(c, next) {
    const resolved = await (resolver ?? tenantResolver()).resolve(c.req.header(header));
    c.set('tenantKey', resolved);
    c.set('tenant', resolved.tenant);
    await next();
  };
