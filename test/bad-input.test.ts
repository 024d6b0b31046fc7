// SECURITY.md's bad-input list against every route the app has, taken from the app itself: every JSON route
// (from its documentation, which every non-page route must have) and every console and hosted-page form. A new
// route is swept without editing this file. Expected: 4xx, a JSON body with a code, no 5xx, nothing changed.
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createPlatformAdmin } from '../src/admin/bootstrap';
import { createApp } from '../src/app';
import { createUser, getUser, newUser, userIdOf } from '../src/core/db/users';
import { hashPassword } from '../src/core/passwords';
import { SCOPE_NAMES } from '../src/core/scopes';
import { documentedRoutes, type RouteDoc } from '../src/docs/registry';
import { routeTable } from '../src/features';
import health from '../src/health/routes';
import { createHttpHandler } from '../src/lambda/http-handler';
import { consoleBrowser } from './support/console';
import { bearer, client, withKey } from './support/http';
import { functionUrlEvent } from './support/lambda';
import { createTestTenant, type TestTenant } from './support/tenants';
import { GOOD_PASSWORD, uniqueEmail } from './support/users';

const app = createApp();
const api = client(app);
const handler = createHttpHandler(app);
let site: TestTenant;
// Every route there is: the app's own and every feature's (features load on first use; load them all now).
const routes = await routeTable([health]);

/** Console and hosted pages: HTML forms, swept as forms below. */
const PAGE_PREFIXES = ['/admin', '/reset', '/verify-email', '/magic-link', '/login', '/docs', '/assets'];
const isPage = (path: string) => PAGE_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
const honoPath = (openApiPath: string) => openApiPath.replace(/\{(\w+)\}/g, ':$1');
/** Whether a route pattern (`/auth/mfa/:factor`) serves a concrete path. */
const matches = (pattern: string, path: string) =>
  new RegExp(`^${pattern.replace(/:\w+(\{[^}]*\})?/g, '[^/]+')}$`).test(path);
const concrete = (path: string, value = 'placeholder') => path.replace(/\{\w+\}|:\w+(\{[^}]*\})?/g, value);

beforeAll(async () => {
  // Limits high enough that the sweep itself is not what gets refused.
  site = await createTestTenant(
    { settings: { lockout: { ip_max_attempts: 10_000, max_failures: 50, hard_cap: 99 } } },
    SCOPE_NAMES,
  );
});

/** A fresh, signed-in account per route, so one route's hostile input cannot spoil another's caller. */
async function signedInUser() {
  const email = uniqueEmail('swept');
  await createUser(newUser(site.tenant, { email, passwordHash: await hashPassword(GOOD_PASSWORD) }));
  const login = await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(site.apiKey));
  expect(login.status).toBe(200);
  return { email, token: login.body.token as string };
}

const headersFor = (route: RouteDoc, token: string): Record<string, string> => ({
  ...(route.security?.includes('apiKey') ? withKey(site.apiKey) : {}),
  ...(route.security?.some((s) => s === 'bearer' || s === 'cookie') ? bearer(token) : {}),
});

const fieldsOf = (route: RouteDoc): string[] =>
  route.body
    ? Object.keys(
        (z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }) as { properties?: object })
          .properties ?? {},
      )
    : [];

const rawBodies: [string, string | Uint8Array][] = [
  ['empty', ''],
  ['null', 'null'],
  ['array', '[]'],
  ['bare string', '"hello"'],
  ['truncated', '{"email": "a@b.c", "password": '],
  ['BOM', '\uFEFF{"email":"a@b.c","password":"x"}'],
  ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])],
  ['10k-deep nesting', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
  ['1 MB body', JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(1024 * 1024) })],
  ['duplicate keys', '{"email":"a@b.c","email":"b@c.d","password":"p","password":"q"}'],
  ['__proto__', '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'],
];

const hostileValues: [string, unknown][] = [
  ['array', ['a']],
  ['object', { a: 1 }],
  ['number', 12345678],
  ['boolean', true],
  ['null', null],
  ['operator injection', { $gt: '' }],
  ['NUL', 'abc\u0000def'],
  ['CR/LF', 'abc\r\nSet-Cookie: x=y'],
  ['lone surrogate', 'abc\ud800def'],
  ['NFD', 'e\u0301@example.com'],
  ['zero-width and RTL', '\u200b\u202eabc@example.com'],
  ['1 MB field', 'x'.repeat(1024 * 1024)],
  ['two @', 'a@@example.com'],
  ['spaces inside email', 'a b@example.com'],
  ['over 254 chars', `${'a'.repeat(250)}@example.com`],
  ['OTP 000000', '000000'],
  ['OTP 5 digits', '12345'],
  ['OTP 7 digits', '1234567'],
  ['OTP 1e5', '1e5'],
  ['OTP padded', ' 123456 '],
  ['token "null"', 'null'],
  ['token extra segments', 'a.b.c.d.e'],
];

const hostilePathValues = ['..%2F..%2Fetc%2Fpasswd', 'x'.repeat(3000), '%00', '%E4%B8%AD', '%F0%9F%98%80'];

const isClientError = (status: number) => status >= 400 && status < 500;
const expectClean = (res: { status: number; body: any; text: string }, label: string) => {
  expect(res.status, `${label}: ${res.status} ${res.text.slice(0, 200)}`).toBeLessThan(500);
  if (res.status >= 400)
    expect(res.body?.code, `${label}: ${res.text.slice(0, 200)}`).toEqual(expect.any(String));
};

describe('the route table', () => {
  it('every route that is not a console or hosted page is documented, so it is swept below', () => {
    const documented = new Set(
      documentedRoutes().map((r) => `${r.method.toUpperCase()} ${honoPath(r.path)}`),
    );
    const undocumented = routes
      .filter((r) => !isPage(r.path) && !documented.has(`${r.method} ${r.path}`))
      .map((r) => `${r.method} ${r.path}`);
    expect(undocumented).toEqual([]);
  });
});

describe('S32: the bad-input list against every JSON route', () => {
  const changing = documentedRoutes().filter((r) => r.method !== 'get');
  for (const route of changing) {
    const label = `${route.method.toUpperCase()} ${route.path}`;
    it(`${label}: malformed bodies, wrong content types, hostile fields and path values, wrong methods`, async () => {
      const { token } = await signedInUser();
      const headers = headersFor(route, token);
      const path = concrete(route.path);
      for (const [what, body] of rawBodies) {
        const res = await api.send(route.method.toUpperCase(), path, body, {
          'content-type': 'application/json',
          ...headers,
        });
        expectClean(res, `${label} ${what}`);
        if (route.body && route.bodyRequired !== false) expect(isClientError(res.status), what).toBe(true);
      }
      if (route.body) {
        for (const type of [
          'text/plain',
          'multipart/form-data; boundary=x',
          'application/x-www-form-urlencoded',
        ]) {
          const res = await api.send(route.method.toUpperCase(), path, '{"a":"b"}', {
            'content-type': type,
            ...headers,
          });
          expect(res.status, `${label} ${type}`).toBe(415);
        }
      }
      const fields = fieldsOf(route);
      for (const field of fields) {
        for (const [what, value] of hostileValues) {
          const body = Object.fromEntries(fields.map((f) => [f, f === field ? value : 'placeholder-value']));
          expectClean(
            await api.send(route.method.toUpperCase(), path, body, headers),
            `${label} ${field}=${what}`,
          );
        }
      }
      if (/\{\w+\}/.test(route.path)) {
        for (const value of hostilePathValues) {
          expectClean(
            await api.send(route.method.toUpperCase(), concrete(route.path, value), undefined, headers),
            `${label} path=${value.slice(0, 20)}`,
          );
        }
      }
      const allowed = new Set(routes.filter((r) => matches(r.path, path)).map((r) => r.method));
      for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'].filter((m) => !allowed.has(m))) {
        const res = await api.send(method, path, { a: 1 }, headers);
        expect(res.status, `${label} as ${method}`).toBe(405);
      }
    });
  }

  it('the sweep changed nothing for an account it did not own', async () => {
    const bystander = await signedInUser();
    expect((await api.get('/user/me', bearer(bystander.token))).status).toBe(200);
    const user = await getUser(userIdOf(site.tenant.clientId, site.tenant.siteId, bystander.email));
    expect(user?.status).toBe('active');
    expect(user?.mfa.totpSecret).toBeUndefined();
    const relogin = await api.post(
      '/auth/login',
      { email: bystander.email, password: GOOD_PASSWORD },
      withKey(site.apiKey),
    );
    expect(relogin.status).toBe(200);
  });
});

describe('S32/S36: every console and hosted-page form', () => {
  // Signing out last, so the signed-in half of the sweep stays signed in.
  const forms = routes
    .filter((r) => r.method === 'POST' && isPage(r.path))
    .sort((a, b) => Number(a.path === '/admin/logout') - Number(b.path === '/admin/logout'));
  const FIELDS = [
    'email',
    'password',
    'name',
    'code',
    'token',
    'new_password',
    'confirm_password',
    'client_id',
    'site_id',
    'allowed_origins',
    'reset_url',
    'verify_url',
    'email_from',
    'product_name',
    'password_min_length',
    'max_failures',
    'mfa',
    'mfa_sms_per_hour',
    'status',
    'key_name',
    'scopes',
    'tenant_admin',
    'platform_admin',
    'api_key',
    'enroll_token',
    'next',
    'tenant',
    'q',
    'site',
    'redirect_uri',
    'code_challenge',
    'mfa_token',
    'methods',
    'method',
    'recovery_code',
    'link_verified_emails',
    'google_client_id',
    'google_client_secret',
  ];

  it('no form answers 5xx to hostile fields, signed in or not, with or without a CSRF token', async () => {
    const admin = uniqueEmail('sweep-root');
    await createPlatformAdmin({ email: admin, password: 'sweep admin passphrase' });
    const signedIn = consoleBrowser(app);
    await signedIn.signIn(admin, 'sweep admin passphrase');
    const csrf = signedIn.csrfFrom((await signedIn.get('/admin')).html);
    const victim = await signedInUser();
    const ids: Record<string, string> = {
      id: `${site.tenant.clientId}#${site.tenant.siteId}`,
      userId: userIdOf(site.tenant.clientId, site.tenant.siteId, victim.email),
      hash: 'f'.repeat(64),
      action: 'nothing',
    };
    const problems: string[] = [];
    for (const form of forms) {
      for (const idValue of [undefined, 'x'.repeat(3000)]) {
        const path = form.path.replace(/:(\w+)(\{[^}]*\})?/g, (_, name: string) =>
          encodeURIComponent(idValue ?? ids[name] ?? 'x'),
        );
        // The OTP and token shapes matter to JSON routes; forms get the rest.
        for (const [what, value] of hostileValues.filter(([name]) => !/^(OTP|token)/.test(name))) {
          const fields = Object.fromEntries(
            FIELDS.map((f) => [f, typeof value === 'string' ? value : JSON.stringify(value)]),
          );
          for (const [who, browser] of [
            ['signed in', signedIn],
            ['anonymous', consoleBrowser(app)],
          ] as const) {
            const res = await browser.post(path, { ...fields, csrf_token: csrf });
            if (res.res.status >= 500)
              problems.push(`${who} POST ${path.slice(0, 60)} ${what}: ${res.res.status}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    const untouched = await getUser(ids.userId as string);
    expect(untouched?.status).toBe('active');
    expect(untouched?.roles).toEqual([]);
  }, 120_000);
});

describe('S32: hostile headers and tokens', () => {
  it('tokens: empty, "null", alg none, extra segments, 16 KB, no scheme, another tenant\'s key', async () => {
    const victim = await signedInUser();
    const other = await createTestTenant();
    const none = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    const cases: Record<string, string>[] = [
      { authorization: 'Bearer ' },
      { authorization: 'Bearer null' },
      { authorization: `Bearer ${none}` },
      { authorization: `Bearer ${victim.token}.extra` },
      { authorization: `Bearer ${'a'.repeat(16 * 1024)}` },
      { authorization: victim.token },
      { authorization: `Bearer ${victim.token}`, 'x-api-key': other.apiKey },
    ];
    for (const headers of cases) {
      const res = await api.get('/user/me', headers);
      expect(res.status, JSON.stringify(headers).slice(0, 80)).toBe(401);
    }
  });

  it('emails with upper case, spaces around, +tag and IDN are handled without 500', async () => {
    for (const email of [
      `  ${uniqueEmail().toUpperCase()}  `,
      `user+tag-${Date.now()}@example.com`,
      'user@bücher.example',
    ]) {
      const res = await api.post('/auth/register', { email, password: GOOD_PASSWORD }, withKey(site.apiKey));
      expect([201, 422], email).toContain(res.status);
    }
  });

  it('repeated and oversized headers through the Lambda adapter stay 4xx', async () => {
    const victim = await signedInUser();
    const event = functionUrlEvent('GET', '/user/me', {
      headers: { authorization: `Bearer ${victim.token},Bearer ${victim.token}` },
    });
    const res = (await handler(event as never)) as { statusCode: number };
    expect(res.statusCode).toBe(401);
  });
});
