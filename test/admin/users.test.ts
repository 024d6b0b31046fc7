import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { totpAt } from '../../src/auth/mfa/totp';
import { listAuditEvents } from '../../src/core/db/audit-log';
import { createUser, getUser, newUser, setUserRoles, userIdOf } from '../../src/core/db/users';
import { hashPassword } from '../../src/core/passwords';
import { recipient, secretsSite, send } from '../secrets/support';
import { consoleBrowser } from '../support/console';
import { bearer, client, withKey } from '../support/http';
import { jobsTo } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, uniqueEmail } from '../support/users';

// Hosted reset pages need to know where they live (the sites here set no reset_url).
process.env.PUBLIC_BASE_URL = 'https://console-tests.example';
const app = createApp();
const api = client(app);
const PASSWORD = 'users page admin passphrase';
let root: ReturnType<typeof consoleBrowser>;
let site: TestTenant;
const tid = () => `${site.tenant.clientId}#${site.tenant.siteId}`;
const userPage = (email: string) =>
  `/admin/users/${encodeURIComponent(userIdOf(site.tenant.clientId, site.tenant.siteId, email))}`;

beforeAll(async () => {
  const email = uniqueEmail('users-root');
  await createPlatformAdmin({ email, password: PASSWORD });
  root = consoleBrowser(app);
  await root.signIn(email, PASSWORD);
  site = await createTestTenant({ name: 'Users Site' });
});

async function act(path: string) {
  const page = await root.get(path.slice(0, path.lastIndexOf('/')));
  return root.post(path, { csrf_token: root.csrfFrom(page.html) });
}

describe('console: users', () => {
  it("searches a site's users by email prefix and pages through them", async () => {
    // Its own site, filled directly: 27 registrations through the API would hit the per-IP registration limit.
    const big = await createTestTenant({ name: 'Big Site' });
    const prefix = `page${Date.now()}`;
    const passwordHash = await hashPassword(GOOD_PASSWORD);
    for (let i = 0; i < 27; i++) {
      const email = `${prefix}-${String(i).padStart(2, '0')}@example.com`;
      await createUser(newUser(big.tenant, { email, passwordHash }));
    }
    const first = await root.get(
      `/admin/users?tenant=${encodeURIComponent(`${big.tenant.clientId}#${big.tenant.siteId}`)}&q=${prefix}`,
    );
    expect((first.html.match(new RegExp(`${prefix}-\\d\\d@example.com</a>`, 'g')) ?? []).length).toBe(25);
    const next = /href="(\/admin\/users\?[^"]*after=[^"]+)"/
      .exec(first.html)?.[1]
      ?.replaceAll('&amp;', '&') as string;
    const second = await root.get(next);
    expect((second.html.match(new RegExp(`${prefix}-\\d\\d@example.com</a>`, 'g')) ?? []).length).toBe(2);
    expect(second.html).toContain(`${prefix}-26@example.com`);
  });

  it('creates a user from the form, and re-renders it with errors for a weak password or taken email', async () => {
    const page = await root.get('/admin/users');
    const email = uniqueEmail('made');
    const weak = await root.post('/admin/users', {
      csrf_token: root.csrfFrom(page.html),
      tenant: tid(),
      email,
      name: 'Made',
      password: 'password1',
    });
    expect(weak.res.status).toBe(422);
    expect(weak.html).toContain('Password: is too common');
    const made = await root.post('/admin/users', {
      csrf_token: root.csrfFrom(page.html),
      tenant: tid(),
      email,
      name: 'Made',
      password: GOOD_PASSWORD,
    });
    expect(made.html).toContain(`Created ${email} on Users Site`);
    expect(
      (await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(site.apiKey))).status,
    ).toBe(200);
    const again = await root.post('/admin/users', {
      csrf_token: root.csrfFrom(page.html),
      tenant: tid(),
      email,
      name: 'Made',
      password: GOOD_PASSWORD,
    });
    expect(again.html).toContain('a user with this email exists on this site');
  });

  it('S16: disabling signs the user out everywhere and refuses sign-in; enabling lets them back', async () => {
    const { email, token } = await registerAndLogin(app, site.apiKey);
    const disabled = await act(`${userPage(email)}/disable`);
    expect(disabled.res.status).toBe(303);
    expect((await root.get(disabled.res.headers.get('location') as string)).html).toContain(
      'User disabled and signed out everywhere.',
    );
    expect((await api.get('/user/me', bearer(token))).status).toBe(401);
    expect(
      (await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(site.apiKey))).status,
    ).toBe(401);
    await act(`${userPage(email)}/enable`);
    expect(
      (await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(site.apiKey))).status,
    ).toBe(200);
    const events = (await listAuditEvents(tid())).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['admin_user_disable', 'admin_user_enable']));
  });

  it('clears a lockout, sends a reset email and ends all sessions', async () => {
    const { email, token } = await registerAndLogin(app, site.apiKey);
    for (let i = 0; i < 3; i++)
      await api.post('/auth/login', { email, password: `wrong ${i}` }, withKey(site.apiKey));
    expect(
      (await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(site.apiKey))).status,
    ).toBe(429);
    await act(`${userPage(email)}/unlock`);
    expect(
      (await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(site.apiKey))).status,
    ).toBe(200);
    await act(`${userPage(email)}/reset`);
    expect(await jobsTo(email, 'password_reset')).toHaveLength(1);
    await act(`${userPage(email)}/revoke-sessions`);
    expect((await api.get('/user/me', bearer(token))).status).toBe(401);
  });

  it('lets platform admins grant the site-admin role, which opens the console to that user', async () => {
    const { email, password } = await registerAndLogin(app, site.apiKey);
    const page = await root.get(userPage(email));
    await root.stepUp();
    await root.post(`${userPage(email)}/roles`, {
      csrf_token: root.csrfFrom(page.html),
      tenant_admin: 'on',
      platform_admin: 'on',
    });
    // platform_admin is only for accounts of the platform tenant.
    expect((await getUser(userIdOf(site.tenant.clientId, site.tenant.siteId, email)))?.roles).toEqual([
      'tenant_admin',
    ]);
    const browser = consoleBrowser(app);
    expect((await browser.signIn(email, password)).res.status).toBe(303);
    // A site admin cannot change roles.
    const own = await browser.get(userPage(email));
    expect(own.html).not.toContain('Save roles');
    expect(
      (
        await browser.post(`${userPage(email)}/roles`, {
          csrf_token: browser.csrfFrom(own.html),
          tenant_admin: 'on',
        })
      ).res.status,
    ).toBe(404);
  });

  it("a site admin reaching another site's user gets 404", async () => {
    const other = await createTestTenant();
    const stranger = await registerAndLogin(app, other.apiKey);
    const admin = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
    const browser = consoleBrowser(app);
    await browser.signIn(admin.email, admin.password);
    const path = `/admin/users/${encodeURIComponent(userIdOf(other.tenant.clientId, other.tenant.siteId, stranger.email))}`;
    expect((await browser.get(path)).res.status).toBe(404);
    const page = await browser.get('/admin/users');
    expect(
      (await browser.post(`${path}/disable`, { csrf_token: browser.csrfFrom(page.html) })).res.status,
    ).toBe(404);
  });
});

describe("console: a user's two-factor sign-in", () => {
  it('shows the factors and resets them (audited), signing the user out everywhere', async () => {
    const { email, token } = await registerAndLogin(app, site.apiKey);
    const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(token));
    await api.post(
      '/auth/mfa/totp/activate',
      { code: await totpAt(setup.body.secret, Math.floor(Date.now() / 1000)) },
      bearer(token),
    );
    const page = await root.get(userPage(email));
    expect(page.html).toContain('authenticator app, 10 recovery codes left');
    await root.stepUp();
    const reset = await root.post(`${userPage(email)}/reset-mfa`, { csrf_token: root.csrfFrom(page.html) });
    expect(reset.res.status).toBe(303);
    expect((await root.get(reset.res.headers.get('location') as string)).html).toContain(
      'Two-factor sign-in removed',
    );
    expect((await api.get('/user/me', bearer(token))).status).toBe(401);
    const relogin = await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(site.apiKey));
    expect(relogin.body.token).toEqual(expect.any(String));
    expect((await listAuditEvents(tid())).map((e) => e.event)).toContain('admin_user_reset_mfa');
  });
});

describe("console: a user's secret messages", () => {
  it('shows key, count and bytes but never content, and deletes them all (the key stays)', async () => {
    const secrets = await secretsSite();
    const to = await recipient(app, secrets.apiKey);
    const marker = `console-secret-${Date.now()}`;
    await send(app, secrets.apiKey, to, marker);
    await send(app, secrets.apiKey, to, marker);
    const path = `/admin/users/${encodeURIComponent(userIdOf(secrets.tenant.clientId, secrets.tenant.siteId, to.email))}`;
    const page = await root.get(path);
    expect(page.html).toMatch(/key since [^;]+; 2 messages waiting \(\d+ bytes, sealed\)/);
    expect(page.html).not.toContain(marker);
    const done = await root.post(`${path}/delete-secrets`, { csrf_token: root.csrfFrom(page.html) });
    expect(done.res.status).toBe(303);
    const after = await root.get(done.res.headers.get('location') as string);
    expect(after.html).toContain('All of this user&#39;s secret messages were deleted.');
    expect(after.html).toMatch(/key since [^;]+; 0 messages waiting/);
    expect((await api.get('/secrets/messages', bearer(to.token))).body.messages).toEqual([]);
    expect((await send(app, secrets.apiKey, to, 'after the purge')).status).toBe(201);
    const events = await listAuditEvents(`${secrets.tenant.clientId}#${secrets.tenant.siteId}`);
    expect(events.map((e) => e.event)).toContain('admin_user_delete_secrets');
    expect(JSON.stringify(events)).not.toContain(marker);
  });
});

describe("the seed's admin journey with Authorization: Bearer", () => {
  it("GET|POST /admin/users and /admin/password-reset work with a site admin's access token", async () => {
    const admin = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
    const headers = bearer(admin.token);
    const form = await app.request('/admin/users', { headers: { ...headers, accept: 'text/html' } });
    expect(form.status).toBe(200);
    expect(form.headers.get('content-type')).toMatch(/^text\/html/);
    const email = uniqueEmail('seed-admin');
    const created = await app.request('/admin/users', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        email,
        api_key: site.apiKey,
        password: 'S3cur3Pass!x',
        name: 'Example User',
      }),
    });
    expect(created.status).toBe(200);
    expect(await created.text()).toContain(`Created ${email}`);
    expect(
      (await api.post('/auth/login', { email, password: 'S3cur3Pass!x' }, withKey(site.apiKey))).status,
    ).toBe(200);

    expect((await app.request('/admin/password-reset', { headers })).status).toBe(200);
    const reset = await app.request('/admin/password-reset', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, api_key: site.apiKey }),
    });
    expect(reset.status).toBe(200);
    expect(await jobsTo(email, 'password_reset')).toHaveLength(1);
  });

  it("refuses a non-admin's token (404) and another site's API key in the form", async () => {
    const plain = await registerAndLogin(app, site.apiKey);
    expect((await app.request('/admin/users', { headers: bearer(plain.token) })).status).toBe(404);
    const admin = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
    const other = await createTestTenant();
    const res = await app.request('/admin/users', {
      method: 'POST',
      headers: { ...bearer(admin.token), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        email: uniqueEmail(),
        api_key: other.apiKey,
        password: GOOD_PASSWORD,
        name: 'x',
      }),
    });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('names no site you manage');
  });
});
