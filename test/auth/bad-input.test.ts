import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { getUser } from '../../src/core/db/users';
import { createHttpHandler } from '../../src/lambda/http-handler';
import { bearer, client, withKey } from '../support/http';
import { functionUrlEvent } from '../support/lambda';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
const handler = createHttpHandler(app);
let site: TestTenant;
let victim: { email: string; token: string; userId: string };

beforeAll(async () => {
  site = await createTestTenant();
  const signedIn = await registerAndLogin(app, site.apiKey);
  victim = { ...signedIn, userId: `${site.tenant.clientId}#${site.tenant.siteId}#${signedIn.email}` };
});

// SECURITY.md, "Bad input to throw at every JSON endpoint": bodies as raw strings or bytes.
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

// Field values for every string field of every route.
const fieldValues: [string, unknown][] = [
  ['array', ['a']],
  ['object', { a: 1 }],
  ['number', 12345678],
  ['boolean', true],
  ['null', null],
  ['operator injection', { $gt: '' }],
  ['NUL', 'abc\u0000def'],
  ['CR/LF', 'abc\r\nSet-Cookie: x=y'],
  ['lone surrogate', 'abc\ud800def'],
  ['zero-width and RTL', '\u200b\u202eabc@example.com'],
  ['1 MB field', 'x'.repeat(1024 * 1024)],
  ['two @', 'a@@example.com'],
  ['spaces inside email', 'a b@example.com'],
  ['over 254 chars', `${'a'.repeat(250)}@example.com`],
];

type Route = { path: string; fields: string[]; headers: () => Record<string, string> };
const routes: Route[] = [
  { path: '/auth/register', fields: ['email', 'password', 'name'], headers: () => withKey(site.apiKey) },
  { path: '/auth/login', fields: ['email', 'password'], headers: () => withKey(site.apiKey) },
  { path: '/auth/password-reset', fields: ['email'], headers: () => withKey(site.apiKey) },
  { path: '/auth/password-reset/confirm', fields: ['token', 'new_password'], headers: () => ({}) },
  { path: '/auth/token/refresh', fields: ['refresh_token'], headers: () => ({}) },
  {
    path: '/auth/password/change',
    fields: ['current_password', 'new_password'],
    headers: () => bearer(victim.token),
  },
  { path: '/auth/mfa/verify', fields: ['mfa_token', 'code'], headers: () => ({}) },
  {
    path: '/auth/mfa/totp/activate',
    fields: ['code', 'current_password'],
    headers: () => bearer(victim.token),
  },
  { path: '/auth/mfa/challenge', fields: ['mfa_token', 'method'], headers: () => ({}) },
  {
    path: '/auth/mfa/sms/setup',
    fields: ['phone', 'current_password'],
    headers: () => bearer(victim.token),
  },
  { path: '/auth/mfa/sms/activate', fields: ['code'], headers: () => bearer(victim.token) },
  { path: '/auth/mfa/email/activate', fields: ['code'], headers: () => bearer(victim.token) },
  { path: '/auth/verify-email/confirm', fields: ['token'], headers: () => ({}) },
  { path: '/email/send', fields: ['to', 'subject', 'text'], headers: () => withKey(site.apiKey) },
];

const isClientError = (status: number) => status >= 400 && status < 500;

describe('S32: the bad-input list against every JSON route: 4xx, never 500, nothing changed', () => {
  for (const route of routes) {
    it(`${route.path}: malformed bodies`, async () => {
      for (const [label, body] of rawBodies) {
        const res = await api.post(route.path, body, {
          'content-type': 'application/json',
          ...route.headers(),
        });
        expect(isClientError(res.status), `${label}: ${res.status} ${res.text.slice(0, 200)}`).toBe(true);
        expect(res.body?.code, label).toEqual(expect.any(String));
      }
    });

    it(`${route.path}: wrong content types`, async () => {
      for (const type of [
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
      ]) {
        const res = await api.post(route.path, '{"email":"a@b.c"}', {
          'content-type': type,
          ...route.headers(),
        });
        expect(res.status, type).toBe(415);
      }
    });

    it(`${route.path}: hostile field values`, async () => {
      for (const field of route.fields) {
        for (const [label, value] of fieldValues) {
          const body = Object.fromEntries(
            route.fields.map((f) => [f, f === field ? value : 'placeholder-value']),
          );
          const res = await api.post(route.path, body, route.headers());
          expect(
            isClientError(res.status),
            `${field}=${label}: ${res.status} ${res.text.slice(0, 200)}`,
          ).toBe(true);
        }
      }
    });

    it(`${route.path}: PUT and DELETE are 405`, async () => {
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        const res = await api.send(method, route.path, { email: 'a@b.c' }, route.headers());
        // DELETE /auth/mfa/verify is DELETE /auth/mfa/{factor}: a real route, so it authenticates first.
        const sharesDeleteRoute = method === 'DELETE' && /^\/auth\/mfa\/[a-z]+$/.test(route.path);
        expect(res.status, method).toBe(sharesDeleteRoute ? 401 : 405);
      }
    });
  }

  it('the hostile inputs changed nothing: the signed-in user still works with the same password', async () => {
    expect((await api.get('/user/me', bearer(victim.token))).status).toBe(200);
    const user = await getUser(victim.userId);
    expect(user?.status).toBe('active');
    const relog = await api.post(
      '/auth/login',
      { email: victim.email, password: GOOD_PASSWORD },
      withKey(site.apiKey),
    );
    expect([200, 429]).toContain(relog.status);
  });
});

describe('S32: hostile headers and tokens', () => {
  it('tokens: empty, "null", alg none, extra segments, 16 KB, another tenant\'s key', async () => {
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
    const event = functionUrlEvent('GET', '/user/me', {
      headers: { authorization: `Bearer ${victim.token},Bearer ${victim.token}` },
    });
    const res = (await handler(event as never)) as { statusCode: number };
    expect(res.statusCode).toBe(401);
  });
});
