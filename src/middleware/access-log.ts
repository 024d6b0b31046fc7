// One structured line per request: method, path (never the query string, which may carry secrets), status, time.
// A 5xx answer is also a security event (http_server_error): the alert rules count them.
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { clock } from '../core/clock';
import { requestMeta } from './request-meta';

export const accessLog = (): MiddlewareHandler<AppEnv> =>
  async function accessLog(c, next) {
    const started = performance.now();
    await next();
    c.var.log.info('request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 100) / 100,
    });
    if (c.res.status >= 500) await recordServerError(c);
  };

// A 5xx often means a dependency is down: the record may not wait long on it (the log line above stays the record).
const RECORD_WAIT_MS = 500;

/** Into the security feed, loaded only when there is one to record; never failing or holding the answer over it. */
async function recordServerError(c: Context<AppEnv>): Promise<void> {
  try {
    const { putSecurityEvent } = await import('../core/db/security-log');
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((done) => {
      timer = setTimeout(done, RECORD_WAIT_MS);
      timer.unref();
    });
    const put = putSecurityEvent({
      ...requestMeta(c),
      tenantId: c.var.tenant?.id ?? '*',
      event: 'http_server_error',
      outcome: 'failure',
      severity: 'low',
      category: 'server_error',
      time: new Date(clock.now()).toISOString(),
      detail: { status: c.res.status, route: c.req.routePath.slice(0, 100) },
    });
    await Promise.race([put, giveUp]).finally(() => clearTimeout(timer));
    put.catch((error: Error) => c.var.log.warn('server error not recorded in the security feed', { error }));
  } catch (error) {
    c.var.log.warn('server error not recorded in the security feed', { error: error as Error });
  }
}
