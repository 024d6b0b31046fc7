// Gives every request an id (Lambda's own when there is one) and echoes it in x-request-id.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env';
import { requestLogger } from '../core/log';

// A caller-supplied id is kept only when it cannot smuggle anything into logs.
const SAFE_ID = /^[A-Za-z0-9._-]{8,64}$/;

export const requestId = ({ header = 'x-request-id' } = {}): MiddlewareHandler<AppEnv> =>
  async function requestId(c, next) {
    const context = c.env?.event?.requestContext;
    const lambdaId = context && 'requestId' in context ? context.requestId : undefined;
    const supplied = c.req.header(header);
    const id = lambdaId ?? (supplied && SAFE_ID.test(supplied) ? supplied : crypto.randomUUID());
    c.set('requestId', id);
    c.set('log', requestLogger(id));
    await next();
    // Set on the answer once it exists: a header set before would be lost when a feature's router answers with a
    // Response of its own (middleware/feature.ts); after, hono copies the answer if its headers are immutable.
    c.header(header, id);
  };
