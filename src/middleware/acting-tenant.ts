// The tenant a request acts for, once known: CORS reads it, and every later log line of the request names it.
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { Tenant } from '../core/db/tenants';

export function actFor(c: Context<AppEnv>, tenant: Tenant): void {
  c.set('tenant', tenant);
  c.var.log?.annotate({ tenant: tenant.id });
}
