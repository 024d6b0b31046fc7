// Per-tenant CORS (S31): an Origin is echoed, with credentials, only when the tenant serving the request allows it.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { tenantResolver } from '../core/tenants';

const ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';
const ALLOW_HEADERS = 'Content-Type, Authorization, X-Api-Key';
const EXPOSE_HEADERS =
  'Retry-After, X-Request-Id, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy';

/**
 * Preflights carry no key or token, so any tenant allowing the Origin lets the browser send the request;
 * the real response then shows the Origin only if *its* tenant allows it (or, with no tenant known yet,
 * any tenant does, so a site can read a 401 for a bad key). Never `*`.
 */
export const cors = ({ sameOriginOnly = [] as string[] } = {}): MiddlewareHandler<AppEnv> => {
  // Console and hosted pages are same-origin only: a site's origin must never read them with credentials (S31).
  const isPage = (path: string) => sameOriginOnly.some((p) => path === p || path.startsWith(`${p}/`));
  return async function cors(c, next) {
    if (isPage(c.req.path)) return next();
    const origin = c.req.header('origin');
    if (c.req.method === 'OPTIONS' && origin && c.req.header('access-control-request-method')) {
      const res = new Response(null, { status: 204, headers: { Vary: 'Origin' } });
      if (await anyTenantAllows(origin)) {
        res.headers.set('Access-Control-Allow-Origin', origin);
        res.headers.set('Access-Control-Allow-Credentials', 'true');
        res.headers.set('Access-Control-Allow-Methods', ALLOW_METHODS);
        res.headers.set('Access-Control-Allow-Headers', ALLOW_HEADERS);
        res.headers.set('Access-Control-Max-Age', '600');
      }
      return res;
    }
    await next();
    c.header('Vary', 'Origin', { append: true });
    if (origin && (await originAllowed(c, origin))) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
      c.header('Access-Control-Expose-Headers', EXPOSE_HEADERS);
    }
  };
};

async function originAllowed(c: Context<AppEnv>, origin: string): Promise<boolean> {
  const tenant = c.get('tenant');
  return tenant ? tenant.allowedOrigins.includes(origin) : anyTenantAllows(origin);
}

async function anyTenantAllows(origin: string): Promise<boolean> {
  try {
    return await tenantResolver().anyTenantAllows(origin);
  } catch {
    // Without the index we cannot vouch for the Origin: the browser is simply not allowed to read.
    return false;
  }
}
