import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import type { AppEnv } from '../src/app-env';
import { errorHandler } from '../src/middleware/errors';
import { jsonOnly, readJsonBody } from '../src/middleware/json-body';

describe('health routes (seed bodies)', () => {
  const app = createApp();
  for (const [path, body] of [
    ['/', { ok: true }],
    ['/health', { status: 'ok' }],
    ['/health/live', { status: 'live' }],
    ['/health/ready', { status: 'ready' }],
  ] as const) {
    it(`GET ${path} answers ${JSON.stringify(body)}`, async () => {
      const res = await app.request(path, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(body);
    });
  }

  it('answers HEAD like GET, without a body', async () => {
    const res = await app.request('/health', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });
});

describe('request ids', () => {
  it("every answer carries x-request-id, a feature router's and an error's included", async () => {
    const app = createApp();
    for (const [method, path] of [
      ['GET', '/health'],
      ['POST', '/auth/login'],
      ['GET', '/user/me'],
      ['GET', '/admin/login'],
      ['GET', '/nope'],
      ['GET', '/assets/admin.css'],
    ] as const) {
      const res = await app.request(path, { method, headers: { 'content-type': 'application/json' } });
      expect(res.headers.get('x-request-id'), path).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('S35: security headers on every response', () => {
  const app = createApp();
  for (const path of ['/health', '/no-such-route']) {
    it(`sets HSTS >= 1 year, nosniff, Referrer-Policy and a deny-all CSP on ${path}`, async () => {
      const res = await app.request(path);
      const hsts = res.headers.get('strict-transport-security') ?? '';
      expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "default-src 'none'",
      ]) {
        expect(csp).toContain(directive);
      }
      expect(res.headers.get('x-powered-by')).toBeNull();
    });
  }

  it('sends the fifteen security headers seed 002 lists (on a console page, with its Cache-Control)', async () => {
    const res = await app.request('/admin/login');
    const expected = [
      'strict-transport-security',
      'content-security-policy',
      'x-frame-options',
      'x-content-type-options',
      'referrer-policy',
      'permissions-policy',
      'cross-origin-embedder-policy',
      'cross-origin-opener-policy',
      'cross-origin-resource-policy',
      'origin-agent-cluster',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
      'cache-control',
    ];
    expect(expected.filter((name) => !res.headers.get(name))).toEqual([]);
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(res.headers.get('permissions-policy')).toContain('camera=()');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('gives every response a request id, keeping a safe caller-supplied one and replacing an unsafe one', async () => {
    const own = await app.request('/health');
    expect(own.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await app.request('/health', { headers: { 'x-request-id': 'trace-1234abcd' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-1234abcd');
    const replaced = await app.request('/health', { headers: { 'x-request-id': 'evil id; with <spaces>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('S32: errors are JSON {detail, code} with the right status, never a 500', () => {
  const app = createApp();

  it('404 for an unknown route', async () => {
    const res = await app.request('/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not found', code: 'not_found' });
  });

  it('405 with Allow for a known route and the wrong method', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await app.request('/health', { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(await res.json()).toEqual({ detail: 'Method not allowed', code: 'method_not_allowed' });
    }
  });

  it('S5: 413 for a body over the limit, whatever the route', async () => {
    const big = JSON.stringify({ field: 'x'.repeat(1024 * 1024) });
    for (const path of ['/health', '/auth/login', '/nope']) {
      const res = await app.request(path, {
        method: 'POST',
        body: big,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ code: 'payload_too_large' });
    }
  });

  it('a 500 carries only internal_error and the request id, no message or stack', async () => {
    const withBug = createApp();
    withBug.get('/test/boom', () => {
      throw new Error('secret internals: password=hunter2 at db.ts:42');
    });
    const res = await withBug.request('/test/boom', { headers: { 'x-request-id': 'req-abcdef12' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      detail: 'Internal server error',
      code: 'internal_error',
      request_id: 'req-abcdef12',
    });
    expect(text).not.toMatch(/hunter2|db\.ts|at /);
  });
});

describe('JSON routes: content type and body parsing', () => {
  const app = new Hono<AppEnv>();
  app.post('/echo', jsonOnly(), async (c) => {
    const body = await readJsonBody(c);
    return c.json({ got: JSON.stringify(body).length < 100 ? body : 'big' });
  });
  app.onError(errorHandler);
  const post = (body: string | Uint8Array | undefined, contentType?: string) =>
    app.request('/echo', {
      method: 'POST',
      body,
      headers: contentType ? { 'content-type': contentType } : {},
    });

  it('accepts application/json (with utf-8 charset)', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON']) {
      const res = await post('{"a":1}', type);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ got: { a: 1 } });
    }
  });

  it('S32: 415 for text/plain, form, multipart and missing content types', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const res = await post('{"a":1}', type);
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({
        detail: 'Content-Type must be application/json',
        code: 'unsupported_media_type',
      });
    }
  });

  it('S32: 400 for empty, truncated, BOM-prefixed, invalid UTF-8 and absurdly nested bodies', async () => {
    const bodies: (string | Uint8Array)[] = [
      '{"a":',
      '\uFEFF{"a":1}',
      new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      `${'['.repeat(10_000)}${']'.repeat(10_000)}`,
      '['.repeat(60_000),
      '{"a":1}{"b":2}',
      'null garbage',
    ];
    for (const body of bodies) {
      const res = await post(body, 'application/json');
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'malformed_json' });
    }
    // Brackets inside strings are data, not nesting.
    expect((await post(JSON.stringify({ a: '[[[['.repeat(50) }), 'application/json')).status).toBe(200);
    const empty = await app.request('/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ code: 'empty_body' });
  });

  it('keeps __proto__ as plain data, polluting nothing', async () => {
    const res = await post('{"__proto__":{"polluted":true},"a":1}', 'application/json');
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
