import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createHttpHandler } from '../../src/lambda/http-handler';
import { functionUrlEvent } from '../support/lambda';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin } from '../support/users';

const app = createApp();
const handler = createHttpHandler(app);
const SITE = 'https://app.cookie-site.example';
let cookieSite: TestTenant;
let bearerSite: TestTenant;

type Result = { statusCode: number; headers: Record<string, string>; body: string; cookies?: string[] };

beforeAll(async () => {
  cookieSite = await createTestTenant({ allowedOrigins: [SITE], settings: { cookie_mode: true } });
  bearerSite = await createTestTenant({ allowedOrigins: ['https://bearer-site.example'] });
});

async function call(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: unknown; cookies?: string[] } = {},
) {
  const event = functionUrlEvent(method, path, {
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  if (init.cookies) (event as { cookies?: string[] }).cookies = init.cookies;
  return (await handler(event as never)) as Result;
}

/** name=value pairs from Set-Cookie strings, as a browser would send them back. */
const cookiePairs = (setCookies: string[] = []) => setCookies.map((c) => c.split(';')[0] as string);

describe('cookie mode (seed Option A), through the Lambda Function URL adapter', () => {
  it('login sets both HttpOnly cookies as separate Set-Cookie values with the seed flags', async () => {
    const { email, password } = await registerAndLogin(app, cookieSite.apiKey);
    const res = await call('POST', '/auth/login', {
      headers: { 'x-api-key': cookieSite.apiKey, origin: SITE },
      body: { email, password },
    });
    expect(res.statusCode).toBe(200);
    expect(res.cookies).toHaveLength(2);
    const [auth, refresh] = res.cookies as string[];
    expect(auth).toMatch(
      /^auth_token=[\w-]+\.[\w-]+\.[\w-]+; Max-Age=900; Path=\/; HttpOnly; Secure; SameSite=None$/,
    );
    expect(refresh).toMatch(
      /^refresh_token=[\w-]+\.[\w-]+; Max-Age=\d+; Path=\/auth\/token\/refresh; HttpOnly; Secure; SameSite=None$/,
    );
    // The JSON body still carries the tokens, as the seed's Bearer clients expect.
    expect(JSON.parse(res.body).token).toBeTruthy();
  });

  it('authenticates GET /user/me by the cookie alone', async () => {
    const { email, password } = await registerAndLogin(app, cookieSite.apiKey);
    const login = await call('POST', '/auth/login', {
      headers: { 'x-api-key': cookieSite.apiKey },
      body: { email, password },
    });
    const me = await call('GET', '/user/me', { cookies: cookiePairs(login.cookies) });
    expect(me.statusCode).toBe(200);
    expect(JSON.parse(me.body).user.email).toBe(email);
  });

  it('refuses cookie-authenticated state changes without an allowed Origin, and logs out with one', async () => {
    const { email, password } = await registerAndLogin(app, cookieSite.apiKey);
    const login = await call('POST', '/auth/login', {
      headers: { 'x-api-key': cookieSite.apiKey },
      body: { email, password },
    });
    const cookies = cookiePairs(login.cookies);
    const noOrigin = await call('POST', '/auth/logout', { cookies });
    expect(noOrigin.statusCode).toBe(403);
    expect(JSON.parse(noOrigin.body)).toEqual({
      detail: 'Origin not allowed for cookie-authenticated requests',
      code: 'origin_not_allowed',
    });
    expect(
      (await call('POST', '/auth/logout', { cookies, headers: { origin: 'https://evil.example' } }))
        .statusCode,
    ).toBe(403);
    const out = await call('POST', '/auth/logout', { cookies, headers: { origin: SITE } });
    expect(out.statusCode).toBe(200);
    expect(out.cookies?.some((c) => /^auth_token=; Max-Age=0; .*Path=\//.test(c))).toBe(true);
    expect(
      out.cookies?.some((c) => /^refresh_token=; Max-Age=0; .*Path=\/auth\/token\/refresh/.test(c)),
    ).toBe(true);
    expect((await call('GET', '/user/me', { cookies })).statusCode).toBe(401);
  });

  it('rotates the refresh cookie at /auth/token/refresh (with an allowed Origin) and sets fresh cookies', async () => {
    const { email, password } = await registerAndLogin(app, cookieSite.apiKey);
    const login = await call('POST', '/auth/login', {
      headers: { 'x-api-key': cookieSite.apiKey },
      body: { email, password },
    });
    const refreshCookie = cookiePairs(login.cookies).find((c) => c.startsWith('refresh_token=')) as string;
    // A cross-site attempt is refused without spending the token...
    expect((await call('POST', '/auth/token/refresh', { cookies: [refreshCookie] })).statusCode).toBe(403);
    expect(
      (
        await call('POST', '/auth/token/refresh', {
          cookies: [refreshCookie],
          headers: { origin: 'https://evil.example' },
        })
      ).statusCode,
    ).toBe(403);
    // ...so the same cookie still rotates from the site itself.
    const rotated = await call('POST', '/auth/token/refresh', {
      cookies: [refreshCookie],
      headers: { origin: SITE },
    });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.cookies).toHaveLength(2);
    expect(cookiePairs(rotated.cookies)).not.toContain(refreshCookie);
  });

  it('sets no cookies for a tenant without cookie mode', async () => {
    const { email } = await registerAndLogin(app, bearerSite.apiKey);
    const res = await call('POST', '/auth/login', {
      headers: { 'x-api-key': bearerSite.apiKey },
      body: { email, password: GOOD_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.cookies ?? []).toEqual([]);
  });
});

describe('S31: CORS per tenant', () => {
  const preflight = (origin: string) =>
    call('OPTIONS', '/auth/login', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-api-key',
      },
    });

  it('answers a preflight from an origin some tenant allows, with credentials and our headers', async () => {
    const res = await preflight(SITE);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-headers']).toBe('Content-Type, Authorization, X-Api-Key');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
  });

  it('gives an unknown origin no Access-Control-Allow-Origin at all', async () => {
    const res = await preflight('https://unknown.example');
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it("shows a tenant's response only to that tenant's origins, never *", async () => {
    const { email, password } = await registerAndLogin(app, bearerSite.apiKey);
    const own = await call('POST', '/auth/login', {
      headers: { 'x-api-key': bearerSite.apiKey, origin: 'https://bearer-site.example' },
      body: { email, password },
    });
    expect(own.headers['access-control-allow-origin']).toBe('https://bearer-site.example');
    expect(own.headers['access-control-allow-credentials']).toBe('true');
    expect(own.headers.vary).toContain('Origin');
    // An origin another tenant allows is still foreign to this one.
    const foreign = await call('POST', '/auth/login', {
      headers: { 'x-api-key': bearerSite.apiKey, origin: SITE },
      body: { email, password },
    });
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    for (const r of [own, foreign]) expect(r.headers['access-control-allow-origin']).not.toBe('*');
  });

  it('S35: auth responses are never cached', async () => {
    const res = await call('POST', '/auth/login', {
      headers: { 'x-api-key': bearerSite.apiKey },
      body: { email: 'x@example.com', password: 'whatever-pass' },
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
