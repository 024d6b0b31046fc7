// Isolation between sites and their keys: same-origin console and hosted pages (S31), scopes on every route a
// key opens, one answer for every key failure (S30), and revocations that reach every warm container (S48).
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../src/admin/bootstrap';
import { createApp } from '../src/app';
import { useClock } from '../src/core/clock';
import { revokeApiKey } from '../src/core/db/api-keys';
import { putTenant } from '../src/core/db/tenants';
import { createTenantResolver } from '../src/core/tenants';
import { consoleBrowser } from './support/console';
import { bearer, client, withKey } from './support/http';
import { createTestTenant, type TestTenant } from './support/tenants';
import { GOOD_PASSWORD, registerAndLogin, uniqueEmail } from './support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;

beforeAll(async () => {
  site = await createTestTenant({ allowedOrigins: ['https://shop.example'] });
});

describe("S31: console and hosted pages are same-origin only, whatever a site's origins", () => {
  it('no credentialed CORS on /admin pages, hosted pages or their preflights for a tenant origin', async () => {
    const admin = uniqueEmail('cors-root');
    await createPlatformAdmin({ email: admin, password: 'cors admin passphrase' });
    const b = consoleBrowser(app, { headers: { origin: 'https://shop.example' } });
    await b.signIn(admin, 'cors admin passphrase');
    for (const path of ['/admin/tenants', '/admin', '/reset?token=x', '/verify-email?token=x', '/docs']) {
      const page = await b.get(path);
      expect(page.res.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(page.res.headers.get('access-control-allow-credentials'), path).toBeNull();
    }
    const preflight = await app.request('/admin/tenants', {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    // The API itself still answers that origin.
    const me = await app.request('/health', { headers: { origin: 'https://shop.example' } });
    expect(me.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });
});

describe('scopes are enforced on every route a key opens', () => {
  it('a key with only email:send cannot register, sign in, ask for a reset or a verification email', async () => {
    const mailOnly = await createTestTenant({}, ['email:send']);
    const email = uniqueEmail('scoped');
    const calls = [
      api.post('/auth/register', { email, password: GOOD_PASSWORD }, withKey(mailOnly.apiKey)),
      api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(mailOnly.apiKey)),
      api.post('/auth/password-reset', { email }, withKey(mailOnly.apiKey)),
      api.post('/auth/verify-email/resend', { email }, withKey(mailOnly.apiKey)),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ detail: 'This API key lacks the auth scope', code: 'insufficient_scope' });
    }
  });

  it('a key with only auth cannot send email', async () => {
    const authOnly = await createTestTenant({}, ['auth']);
    const res = await api.post(
      '/email/send',
      { to: 'a@example.com', subject: 's', text: 't' },
      withKey(authOnly.apiKey),
    );
    expect(res.status).toBe(403);
  });
});

describe('S30: every key failure is the one identical 401', () => {
  it("with a valid token, another site's live key answers exactly like an unknown or revoked one", async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const other = await createTestTenant();
    const revoked = await createTestTenant();
    await revokeApiKey(revoked.keyHash);
    const answers = await Promise.all(
      [other.apiKey, revoked.apiKey, 'll_unknownunknownunknownunknownunknownunknown'].map(async (key) => {
        const res = await api.get('/user/me', { ...bearer(user.token), ...withKey(key) });
        return { status: res.status, body: res.body };
      }),
    );
    for (const answer of answers) {
      expect(answer).toEqual({ status: 401, body: { detail: 'Invalid API key', code: 'invalid_api_key' } });
    }
  });
});

describe('S48: revocations reach every warm container within the check interval', () => {
  it('two containers that cached a key both refuse it within a second of its revocation (checks every 1 s here)', async () => {
    const doomed = await createTestTenant();
    const containers = [1, 2].map(() => createTenantResolver({ cacheMs: 60_000, revocationCheckMs: 1_000 }));
    for (const c of containers)
      expect((await c.resolve(doomed.apiKey)).tenant.clientId).toBe(doomed.tenant.clientId);
    await revokeApiKey(doomed.keyHash);
    const later = Date.now() + 1_100;
    const restore = useClock({ now: () => later });
    try {
      for (const c of containers)
        await expect(c.resolve(doomed.apiKey)).rejects.toMatchObject({ status: 401 });
    } finally {
      restore();
    }
  });

  it('a disabled site is refused by both containers too, and its settings changes are seen', async () => {
    const site2 = await createTestTenant();
    const containers = [1, 2].map(() => createTenantResolver({ cacheMs: 60_000, revocationCheckMs: 1_000 }));
    for (const c of containers) await c.resolve(site2.apiKey);
    await putTenant({ ...site2.tenant, status: 'disabled' });
    const later = Date.now() + 1_100;
    const restore = useClock({ now: () => later });
    try {
      for (const c of containers)
        await expect(c.resolve(site2.apiKey)).rejects.toMatchObject({ status: 401 });
    } finally {
      restore();
    }
  });
});
