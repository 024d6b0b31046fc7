// Wraps hono's Lambda adapter so requests undici cannot represent still get our JSON errors and headers.
import type { Hono } from 'hono';
import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import type { AppEnv } from '../app-env';

// undici refuses these methods, and header values with CR, LF, NUL or non-Latin-1 characters; the bare
// adapter then answers text/plain and console.errors the raw value (a log-injection path, S43).
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
const REPRESENTABLE_VALUE = /^[^\0\r\n\u0100-\uffff]*$/;

type HeaderBag = Record<string, string | undefined>;

function rejection(event: LambdaEvent): { status: 400 | 405; code: string; detail: string } | undefined {
  const e = event as {
    requestContext?: { http?: { method?: string } };
    httpMethod?: string;
    headers?: HeaderBag;
    /** Payload v2 carries cookies apart from the headers; the adapter joins them into one Cookie header. */
    cookies?: string[];
  };
  const method = (e.requestContext?.http?.method ?? e.httpMethod ?? '').toUpperCase();
  if (FORBIDDEN_METHODS.has(method))
    return { status: 405, code: 'method_not_allowed', detail: 'Method not allowed' };
  for (const value of [...Object.values(e.headers ?? {}), ...(e.cookies ?? [])]) {
    if (value !== undefined && !REPRESENTABLE_VALUE.test(value)) {
      return { status: 400, code: 'bad_request', detail: 'Malformed request header' };
    }
  }
  return undefined;
}

export function createHttpHandler(app: Hono<AppEnv>) {
  const adapter = handle(app);
  let baseHeaders: Record<string, string> | undefined;

  return async (event: LambdaEvent, context?: LambdaContext) => {
    const refused = rejection(event);
    if (!refused) return adapter(event, context);
    // The app's own security headers, copied once from a response it rendered itself.
    baseHeaders ??= Object.fromEntries((await app.request('/__unrepresentable')).headers);
    const { 'x-request-id': _, 'content-length': __, ...headers } = baseHeaders;
    return {
      statusCode: refused.status,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ detail: refused.detail, code: refused.code }),
      isBase64Encoded: false,
    };
  };
}
