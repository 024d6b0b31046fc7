// The app's one onError and its notFound: every failure becomes {"detail", "code"} JSON, never a stack trace.
import type { ErrorHandler, Hono, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { LinearRouter } from 'hono/router/linear-router';
import type { AppEnv } from '../app-env';
import { isDependencyFailure } from '../core/aws-limits';
import { reportError } from '../core/error-reporting';
import { AppError, MethodNotAllowedError, NotFoundError, ServiceUnavailableError } from '../core/errors';
import { logger } from '../core/log';

export const errorHandler: ErrorHandler<AppEnv> = (error, c) => {
  if (isDependencyFailure(error)) {
    // A service we depend on is down or slow: say so, and when to try again, rather than a bare 500.
    (c.get('log') ?? logger).error('dependency failed', { error });
    return errorHandler(new ServiceUnavailableError(), c);
  }
  if (error instanceof AppError) {
    for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
    return c.json({ detail: error.detail, code: error.code, ...error.extra }, error.status as 400);
  }
  if (error instanceof HTTPException && error.status < 500) {
    return c.json({ detail: error.message || 'Bad request', code: 'bad_request' }, error.status);
  }
  const requestId = c.get('requestId');
  const route = c.req.routePath;
  (c.get('log') ?? logger).error('unhandled error', { error, route });
  // The request id in the answer is what an operator pastes into the console's Logs page (or Sentry's search).
  const answer = () =>
    c.json({ detail: 'Internal server error', code: 'internal_error', request_id: requestId }, 500);
  return reportError(error, { requestId, tenant: c.get('tenant')?.id, route }).then(answer);
};

/**
 * 404 for paths no route knows; 405 with Allow when the path exists under other methods.
 * The route table is read lazily on the first miss, so routers mounted after this call count too.
 */
export function notFoundHandler(app: Hono<AppEnv>): NotFoundHandler<AppEnv> {
  let routes: LinearRouter<string> | undefined;
  let methods: string[] = [];
  const table = () => {
    if (!routes) {
      routes = new LinearRouter<string>();
      const concrete = app.routes.filter((r) => r.method !== 'ALL');
      for (const r of concrete) routes.add(r.method, r.path, r.method);
      methods = [...new Set(concrete.map((r) => r.method))];
    }
    return routes;
  };
  return (c) => {
    const router = table();
    // A pattern the linear router cannot read (a label followed by a wildcard) must not turn a 404 into a 500.
    const matches = (m: string) => {
      try {
        return router.match(m, c.req.path)[0].length > 0;
      } catch {
        return false;
      }
    };
    const allowed = methods.filter(matches);
    if (allowed.length > 0) {
      if (allowed.includes('GET')) allowed.push('HEAD');
      return errorHandler(new MethodNotAllowedError(allowed), c);
    }
    return errorHandler(new NotFoundError(), c);
  };
}
