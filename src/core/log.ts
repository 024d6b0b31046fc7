// The structured JSON logger (Powertools). Level comes from POWERTOOLS_LOG_LEVEL, read by Powertools itself.
// Every line names its function (the console's Logs page filters by it); request lines add request_id, tenant and
// feature as the request learns them.
import { Logger } from '@aws-lambda-powertools/logger';

/** Lambda's own name for the function; make dev and the tests name it by its template logical id. */
const functionName = () => process.env.AWS_LAMBDA_FUNCTION_NAME ?? process.env.LAMBDALITH_FUNCTION;

export const logger = new Logger({
  serviceName: 'lambdalith',
  persistentKeys: functionName() ? { function: functionName() } : {},
});

type Extra = Record<string, unknown>;

/** What request code logs through: the shared logger with the request's own fields on every line. */
export type Log = {
  debug(message: string, extra?: Extra): void;
  info(message: string, extra?: Extra): void;
  warn(message: string, extra?: Extra): void;
  error(message: string, extra?: Extra): void;
  /** Adds fields to this request's later lines (tenant once known, feature once routed). */
  annotate(fields: { tenant?: string; feature?: string }): void;
};

/**
 * A per-request view of the logger. Powertools' createChild() costs ~125 µs a call and appendKeys() is
 * process-wide (unsafe with the concurrent local server), so the request's fields are passed on each line instead.
 */
export function requestLogger(requestId: string): Log {
  const fields: Extra = { request_id: requestId };
  return {
    debug: (message, extra) => logger.debug(message, { ...fields, ...extra }),
    info: (message, extra) => logger.info(message, { ...fields, ...extra }),
    warn: (message, extra) => logger.warn(message, { ...fields, ...extra }),
    error: (message, extra) => logger.error(message, { ...fields, ...extra }),
    annotate: (more) => void Object.assign(fields, more),
  };
}

/** A worker function's feature, on every line it writes (one function per process in Lambda). */
export function logFeature(feature: string): void {
  logger.appendPersistentKeys({ feature });
}
