// Resolves the calling site from its x-api-key header (never the query string, S14) into c.var.tenantKey, and
// refuses a key without the scope the route needs (403).
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, AuthContext } from '../app-env';
import { ForbiddenError, NotFoundError } from '../core/errors';
import { assertKeyNetwork } from '../core/network-allowlist';
import { enforceRateClass, type RateClass } from '../core/rate-classes';
import type { Scope } from '../core/scopes';
import { type ResolvedApiKey, type TenantResolver, tenantResolver } from '../core/tenants';
import { actFor } from './acting-tenant';
import { authenticate } from './authenticate';
import { clientIp } from './request-meta';

/** A valid key of the site that lacks the route's scope: the key is live (its holder knows that already). */
export function assertScope(resolved: ResolvedApiKey, scope: Scope): void {
  if (!resolved.apiKey.scopes.includes(scope)) {
    throw new ForbiddenError(`This API key lacks the ${scope} scope`, 'insufficient_scope');
  }
}

/** Sending (email, secret messages) has its own budget; everything else a key opens counts as `auth`. */
const classOfScope = (scope: Scope): RateClass =>
  scope === 'email:send' || scope === 'secrets' ? 'send' : 'auth';

/** The site whose key (with `scope`) the request carries, for routes that take a key or a session. */
export async function siteOfKey(
  c: Context<AppEnv>,
  scope: Scope,
  header = 'x-api-key',
  resolver: TenantResolver = tenantResolver(),
) {
  const resolved = await resolver.resolve(c.req.header(header));
  // The site's IP allowlist (or the key's) holds for every request made with its keys (S48).
  const ip = clientIp(c);
  await assertKeyNetwork(resolver, resolved, ip);
  await enforceRateClass(c, classOfScope(scope), { id: resolved.tenant.id, tenant: resolved.tenant }, ip);
  assertScope(resolved, scope);
  c.set('tenantKey', resolved);
  actFor(c, resolved.tenant);
  return resolved;
}

export const requireTenant = ({
  scope,
  header = 'x-api-key',
  resolver,
}: {
  scope: Scope;
  header?: string;
  resolver?: TenantResolver;
}): MiddlewareHandler<AppEnv> =>
  async function requireTenant(c, next) {
    await siteOfKey(c, scope, header, resolver);
    await next();
  };

/**
 * The site's servers (its key with `scope`) or one of its people (Authorization: Bearer, a user the role check
 * lets in). Anyone else is told there is nothing here (404), as for another site's records.
 */
export const requireKeyOrRole = (
  scope: Scope,
  allowed: (user: AuthContext['user'], tenantId: string) => boolean,
): MiddlewareHandler<AppEnv> =>
  async function requireKeyOrRole(c, next) {
    if (!c.req.header('authorization')) return requireTenant({ scope })(c, next);
    const auth = await authenticate(c);
    if (!allowed(auth.user, auth.tenant.id)) throw new NotFoundError();
    await next();
  };
