// One structured line per request: method, path (never the query string, which may carry secrets), status, time.
// A 5xx answer is also a security event (http_server_error): the alert rules count them.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';

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
    // Into the security feed; its code loads only when there is a 5xx to record.
    if (c.res.status >= 500) {
      await import('./server-error-record').then(
        (record) => record.recordServerError(c),
        () => undefined,
      );
    }
  };
