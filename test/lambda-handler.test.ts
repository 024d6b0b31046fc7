import { describe, expect, it } from 'vitest';
import { handler } from '../handlers/http';
import { functionUrlEvent, loadEvent } from './support/lambda';
import { captureOutput } from './support/logs';

// Exercises the adapter itself (hono/aws-lambda with Function URL v2 events), not app logic.
type Result = { statusCode: number; headers: Record<string, string>; body: string; cookies?: string[] };
const invoke = (event: unknown) => handler(event as never, {} as never) as Promise<Result>;

describe('the HTTP Lambda handler with Function URL events', () => {
  it('answers GET /health from events/ with the seed body and Lambda request id', async () => {
    const event = loadEvent('function-url-get-health.json');
    const result = await invoke(event);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(result.headers['x-request-id']).toBe(event.requestContext.requestId);
    expect(result.headers['strict-transport-security']).toContain('max-age=');
  });

  it('answers an API Gateway HTTP API event (sam local start-api, LocalHttpApi=true) the same way', async () => {
    const result = await invoke(loadEvent('http-api-get-health.json'));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
    expect(result.headers['strict-transport-security']).toContain('max-age=');
  });

  it('answers the POST-with-JSON login event (demo key not seeded in tests) with the one API-key 401', async () => {
    const result = await invoke(loadEvent('function-url-post-json.json'));
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body)).toEqual({ detail: 'Invalid API key', code: 'invalid_api_key' });
  });

  it('reads the auth_token cookie from the event (a junk token there is a clean 401)', async () => {
    const result = await invoke(loadEvent('function-url-get-with-cookies.json'));
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).code).toBe('invalid_token');
  });

  it('S32: PUT, TRACE and CONNECT on a GET route are 405 JSON with our headers, never 500', async () => {
    const put = await invoke(functionUrlEvent('PUT', '/health'));
    expect(put.statusCode).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD');
    for (const method of ['TRACE', 'CONNECT']) {
      const result = await invoke(functionUrlEvent(method, '/health'));
      expect(result.statusCode).toBe(405);
      expect(JSON.parse(result.body)).toEqual({ detail: 'Method not allowed', code: 'method_not_allowed' });
      expect(result.headers['strict-transport-security']).toContain('max-age=');
      expect(result.headers['content-type']).toBe('application/json');
    }
  });

  it('S5: a body over the limit is 413 through the adapter too', async () => {
    const body = JSON.stringify({ x: 'y'.repeat(200_000) });
    const result = await invoke(
      functionUrlEvent('POST', '/auth/login', { body, headers: { 'content-type': 'application/json' } }),
    );
    expect(result.statusCode).toBe(413);
  });

  it('S43: a header with CR/LF, NUL or non-Latin-1 text is a JSON 400, and nothing of it is logged', async () => {
    const written = await captureOutput(async () => {
      for (const value of ['a\r\nInjected: yes', 'nul\u0000byte', 'name \u4e2d\u6587']) {
        const result = await invoke(functionUrlEvent('GET', '/health', { headers: { 'x-custom': value } }));
        expect(result.statusCode).toBe(400);
        expect(JSON.parse(result.body)).toEqual({ detail: 'Malformed request header', code: 'bad_request' });
        expect(result.headers['x-content-type-options']).toBe('nosniff');
      }
    });
    expect(written).not.toMatch(/Injected|nul.byte|\u4e2d/);
  });

  it('accepts an ordinary header with Latin-1 text and tabs', async () => {
    const result = await invoke(
      functionUrlEvent('GET', '/health', { headers: { 'x-custom': 'caf\u00e9\tok' } }),
    );
    expect(result.statusCode).toBe(200);
  });
});
