// Function URL events from events/, adjusted per test, for driving handlers exactly as Lambda does.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export type FunctionUrlEvent = {
  rawPath: string;
  rawQueryString: string;
  headers: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded: boolean;
  requestContext: { requestId: string; http: { method: string; path: string; sourceIp: string } };
};

export function loadEvent(file: string): FunctionUrlEvent {
  return JSON.parse(readFileSync(resolve(import.meta.dirname, '../../events', file), 'utf8'));
}

/** The GET /health event re-pointed at another method and path. */
export function functionUrlEvent(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  const event = loadEvent('function-url-get-health.json');
  event.rawPath = path;
  event.requestContext.http.method = method;
  event.requestContext.http.path = path;
  event.headers = { ...event.headers, ...init.headers };
  if (init.body !== undefined) event.body = init.body;
  return event;
}
