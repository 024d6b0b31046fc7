// Optional error tracking: with SENTRY_DSN set, unhandled errors are sent to Sentry (or anything that speaks its
// envelope protocol). The sender loads only when there is an error to send, so it is never on the cold path; without
// SENTRY_DSN nothing loads and the console's Errors page reads the logs instead.
import { configSlice, text } from './config';
import { logger } from './log';

export const errorReportingConfig = configSlice(
  {
    SENTRY_DSN: text({
      max: 500,
      pattern: /^https?:\/\/[\w-]+@[\w.-]+(:\d+)?(\/[\w.-]+)*\/\d+$/,
      message: 'must be a Sentry DSN: https://<public key>@<host>/<project id>',
    }),
  },
  (e) => ({ dsn: e.SENTRY_DSN }),
);

/** What a report says of where the error happened. Never a body, a header, a token, a password or an email. */
export type ErrorContext = {
  requestId?: string;
  tenant?: string;
  route?: string;
  feature?: string;
  /** Worker context: the message or run the error belongs to. */
  job?: string;
};

/** Reports `error` when SENTRY_DSN is set; never throws, and gives up after a few seconds. */
export async function reportError(error: unknown, context: ErrorContext): Promise<void> {
  const { dsn } = errorReportingConfig();
  if (!dsn) return;
  try {
    const { sendEnvelope } = await import('./sentry-envelope');
    await sendEnvelope(dsn, error, context);
  } catch (failure) {
    logger.warn('error report not sent', { error: (failure as Error).message });
  }
}

/** A scheduled or event handler whose thrown errors are reported, then rethrown for Lambda's own retry. */
export function reportingErrors<A extends unknown[], R>(
  handler: (...args: A) => Promise<R>,
  feature: string,
) {
  return async (...args: A): Promise<R> => {
    try {
      return await handler(...args);
    } catch (error) {
      await reportError(error, { feature });
      throw error;
    }
  };
}
