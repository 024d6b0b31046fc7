// A 5xx answer as a security event (http_server_error) for the alert rules, written after the answer is made and
// never holding it long: a 5xx often means a dependency is down, and the access-log line stays the record.
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import { clock } from '../core/clock';
import { putSecurityEvent } from '../core/db/security-log';
import { requestMeta } from './request-meta';

// A 5xx often means a dependency is down: the record may not wait long on it (the log line above stays the record).
const RECORD_WAIT_MS = 500;

/** Never failing or holding the answer over it. */
export async function recordServerError(c: Context<AppEnv>): Promise<void> {
  try {
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
