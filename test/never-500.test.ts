// S32/S43: inputs that once ended in 500s (or a plain-text 400 with the raw value logged) are 4xx now.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createPlatformAdmin } from '../src/admin/bootstrap';
import { createApp } from '../src/app';
import { logger } from '../src/core/log';
import { createHttpHandler } from '../src/lambda/http-handler';
import { consoleBrowser } from './support/console';
import { client, withKey } from './support/http';
import { loadEvent } from './support/lambda';
import { jobsTo, resetTokenFor } from './support/queued-jobs';
import { createTestTenant } from './support/tenants';
import { registerAndLogin, uniqueEmail } from './support/users';

const app = createApp();
const PASSWORD = 'never five hundred passphrase';
let admin: string;

beforeAll(async () => {
  admin = uniqueEmail('root500');
  await createPlatformAdmin({ email: admin, password: PASSWORD });
});

const form = (path: string, fields: Record<string, string>, cookie = '__Host-csrf=abcd') =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(fields).toString(),
  });

describe('S36: CSRF tokens are compared as bytes', () => {
  it("a token with non-ASCII characters of the cookie's length is a 403 on every form, not a 500", async () => {
    // "abcé" is four characters like the cookie "abcd", but five bytes.
    const site = await createTestTenant({
      settings: { reset_url: 'https://p.example/reset', verify_url: 'https://p.example/verify' },
    });
    const user = await registerAndLogin(app, site.apiKey);
    await client(app).post('/auth/password-reset', { email: user.email }, withKey(site.apiKey));
    const resetToken = await resetTokenFor(user.email);
    const verifyLink = (await jobsTo(user.email, 'email_verification'))[0]?.data.verify_url as string;
    const verifyToken = new URL(verifyLink).searchParams.get('token') as string;
    const cases: [string, Record<string, string>][] = [
      ['/admin/login', { email: 'a@b.co', password: 'x' }],
      ['/admin/logout', {}],
      [
        '/reset',
        {
          token: resetToken,
          new_password: 'a fine new passphrase',
          confirm_password: 'a fine new passphrase',
        },
      ],
      ['/verify-email', { token: verifyToken }],
    ];
    for (const [path, fields] of cases) {
      const res = await form(path, { csrf_token: 'abcé', ...fields });
      expect(res.status, path).toBe(403);
    }
  });
});

describe('console: malformed ids and cursors', () => {
  it('an unknown page cursor re-renders the audit page with a message (400)', async () => {
    const b = consoleBrowser(app);
    await b.signIn(admin, PASSWORD);
    const res = await b.get('/admin/audit?after=zzz');
    expect(res.res.status).toBe(400);
    expect(res.html).toContain('That page link is not valid');
  });

  it('a 3000-character user or site id is a 404', async () => {
    const b = consoleBrowser(app);
    await b.signIn(admin, PASSWORD);
    const long = 'x'.repeat(3000);
    expect((await b.get(`/admin/users/${long}`)).res.status).toBe(404);
    expect((await b.get(`/admin/tenants/${long}`)).res.status).toBe(404);
    expect((await b.get(`/admin/users?q=${long}&after=${long}`)).res.status).toBe(200);
    expect((await b.get(`/admin/tenants?after=${long}`)).res.status).toBe(200);
  });

  it('a 3000-character email at console sign-in is "wrong email or password", not a 503', async () => {
    const b = consoleBrowser(app);
    const page = await b.get('/admin/login');
    const res = await b.post('/admin/login', {
      csrf_token: b.csrfFrom(page.html),
      email: `${'a'.repeat(3000)}@example.com`,
      password: 'whatever',
    });
    expect(res.res.status).toBe(401);
    expect(res.html).toContain('Wrong email or password.');
  });
});

describe('Function URL events with unrepresentable cookies', () => {
  it('NUL or non-Latin-1 bytes in the cookies array get our JSON 400 with our headers, and are not logged', async () => {
    const handler = createHttpHandler(app);
    const errors = vi.spyOn(console, 'error');
    const logged = vi.spyOn(logger, 'error');
    for (const cookie of ['a=b\u0000c', 'a=\u4e2d\u6587']) {
      const event = loadEvent('function-url-get-with-cookies.json') as ReturnType<typeof loadEvent> & {
        cookies: string[];
      };
      event.cookies = [cookie];
      const res = (await handler(event as never)) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['strict-transport-security']).toContain('max-age=');
      expect(JSON.parse(res.body).code).toBe('bad_request');
    }
    const output = JSON.stringify([...errors.mock.calls, ...logged.mock.calls]);
    expect(output).not.toContain('\u4e2d');
    expect(output).not.toContain('b\\u0000c');
    errors.mockRestore();
    logged.mockRestore();
  });
});
