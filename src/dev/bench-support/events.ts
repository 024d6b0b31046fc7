// Function URL events for the bench, from the recorded GET /health one.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const base = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../../events/function-url-get-health.json'), 'utf8'),
);

export function functionUrlEvent(request: {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}) {
  const event = structuredClone(base);
  event.rawPath = request.path;
  event.requestContext.http.path = request.path;
  event.requestContext.http.method = request.method ?? 'GET';
  Object.assign(event.headers, request.headers ?? {});
  if (request.body !== undefined) {
    event.headers['content-type'] = 'application/json';
    event.body = JSON.stringify(request.body);
  }
  return event;
}
