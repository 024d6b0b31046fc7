// The structured JSON logger (Powertools). Level comes from POWERTOOLS_LOG_LEVEL, read by Powertools itself.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'lambdalith' });

type Extra = Record<string, unknown>;

/** What request code logs through: the shared logger with the request id on every line. */
export type Log = {
  debug(message: string, extra?: Extra): void;
  info(message: string, extra?: Extra): void;
  warn(message: string, extra?: Extra): void;
  error(message: string, extra?: Extra): void;
};

/**
 * A per-request view of the logger. Powertools' createChild() costs ~125 µs a call and appendKeys() is
 * process-wide (unsafe with the concurrent local server), so the id is passed on each line instead.
 */
export function requestLogger(requestId: string): Log {
  return {
    debug: (message, extra) => logger.debug(message, { request_id: requestId, ...extra }),
    info: (message, extra) => logger.info(message, { request_id: requestId, ...extra }),
    warn: (message, extra) => logger.warn(message, { request_id: requestId, ...extra }),
    error: (message, extra) => logger.error(message, { request_id: requestId, ...extra }),
  };
}
