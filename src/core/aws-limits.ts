// Time limits for every AWS SDK client, and how to tell a dependency's failure from our own bug.
//
// The SDK's defaults wait on a silent socket for minutes (and its requestTimeout only warns unless told to
// throw), so a partitioned DynamoDB turned a request into Lambda's own timeout with no JSON at all. With these
// limits one call gives up after at most ~3 s (two attempts of 1.5 s) and the request answers 503.

/** For clients on a request path: fail fast, a caller is waiting. */
export const REQUEST_PATH_LIMITS = {
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 500, requestTimeout: 1_500, throwOnRequestTimeout: true },
} as const;

/** For workers: nobody waits on them, and SQS retries the record anyway, so a little more patience. */
export const WORKER_LIMITS = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
} as const;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'NetworkingError',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/**
 * True for an AWS call that failed because the service was unreachable, slow, throttling or erroring: the
 * request should say 503 and "try again", not 500. Client-side mistakes (validation, missing table) stay 500s.
 */
export function isDependencyFailure(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as {
    name?: string;
    code?: string;
    $fault?: string;
    $metadata?: object;
    $retryable?: object;
  };
  if (NETWORK_CODES.has(e.code ?? '') || TRANSIENT_NAMES.has(e.name ?? '')) return true;
  return e.$metadata !== undefined && (e.$fault === 'server' || e.$retryable !== undefined);
}
