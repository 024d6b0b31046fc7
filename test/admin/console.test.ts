import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BootstrapError, createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { totpAt } from '../../src/auth/mfa/totp';
import { useClock } from '../../src/core/clock';
import { listAuditEvents } from '../../src/core/db/audit-log';
import { setUserRoles, userIdOf } from '../../src/core/db/users';
import { consoleBrowser } from '../support/console';
import { consoleCodeFor } from '../support/console-mfa';
import { client, withKey } from '../support/http';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const PASSWORD = 'a very long console passphrase';
let platformAdmin: string;
let site: TestTenant;
let otherSite: TestTenant;
let siteAdmin: { email: string; password: string };
let restoreClock: (() => void) | undefined;

beforeAll(async () => {
  platformAdmin = uniqueEmail('root');
  await createPlatformAdmin({ email: platformAdmin, password: PASSWORD });
  site = await createTestTenant({ name: 'Admin Site' });
  otherSite = await createTestTenant({ name: 'Someone Else' });
  siteAdmin = await registerAndLogin(app, site.apiKey);
  await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, siteAdmin.email), ['tenant_admin']);
});
afterEach(() => {
  restoreClock?.();
  restoreClock = undefined;
});

describe('console sign-in (S17)', () => {
  it('sets a __Host- cookie: Secure, HttpOnly, SameSite=Strict, 256-bit opaque; then shows the dashboard', async () => {
    const browser = consoleBrowser(app);
    const { res } = await browser.signIn(platformAdmin, PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-lambdalith_admin='));
    expect(cookie).toMatch(
      /^__Host-lambdalith_admin=[\w-]{43}; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    const dashboard = await browser.get('/admin');
    expect(dashboard.res.status).toBe(200);
    expect(dashboard.html).toContain('Dashboard');
    expect(dashboard.html).toContain(platformAdmin);
    expect(dashboard.res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(dashboard.html).not.toMatch(/<script|style="/);
  });

  it('gives a new session value at every sign-in and deletes it server-side at sign-out', async () => {
    const browser = consoleBrowser(app);
    await browser.signIn(platformAdmin, PASSWORD);
    const first = browser.jar.get('__Host-lambdalith_admin') as string;
    // Signing in again while holding a session (the form is reachable, e.g. from a bookmark or another tab).
    const dash = await browser.get('/admin');
    const again = await browser.post('/admin/login', {
      csrf_token: browser.csrfFrom(dash.html),
      email: platformAdmin,
      password: PASSWORD,
      code: await consoleCodeFor(platformAdmin),
    });
    expect(again.res.status).toBe(303);
    const second = browser.jar.get('__Host-lambdalith_admin') as string;
    expect(second).not.toBe(first);
    // The replaced session is dead too, not just forgotten by the browser.
    const stale = consoleBrowser(app);
    stale.jar.set('__Host-lambdalith_admin', first);
    expect((await stale.get('/admin')).res.status).toBe(303);

    const dashboard = await browser.get('/admin');
    const out = await browser.post('/admin/logout', { csrf_token: browser.csrfFrom(dashboard.html) });
    expect(out.res.status).toBe(303);
    expect(out.res.headers.getSetCookie().some((c) => /^__Host-lambdalith_admin=; Max-Age=0/.test(c))).toBe(
      true,
    );
    const replay = consoleBrowser(app);
    replay.jar.set('__Host-lambdalith_admin', second);
    expect((await replay.get('/admin')).res.headers.get('location')).toBe('/admin/login?next=%2Fadmin');
    const events = (await listAuditEvents('platform#console', 200)).filter((e) =>
      e.userId?.endsWith(platformAdmin),
    );
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['admin_login_success', 'admin_logout']),
    );
  });

  it('holds at most five console sessions per admin (seed 002): a sixth sign-in ends the oldest', async () => {
    const email = uniqueEmail('five');
    await createPlatformAdmin({ email, password: PASSWORD });
    const browsers = [];
    for (let i = 0; i < 6; i++) {
      const b = consoleBrowser(app);
      expect((await b.signIn(email, PASSWORD)).res.status).toBe(303);
      browsers.push(b);
    }
    const statuses = await Promise.all(browsers.map(async (b) => (await b.get('/admin')).res.status));
    expect(statuses).toEqual([303, 200, 200, 200, 200, 200]);
  });

  it('ends sessions by security level (seed 002), server-side: a platform admin (elevated on a standard deployment) after 30 idle minutes or 8 hours however active; a site admin (standard) after 60 idle minutes', async () => {
    const idle = consoleBrowser(app);
    await idle.signIn(platformAdmin, PASSWORD);
    const site = consoleBrowser(app);
    await site.signIn(siteAdmin.email, siteAdmin.password);
    const start = Date.now();
    restoreClock = useClock({ now: () => start + 31 * 60_000 });
    expect((await idle.get('/admin')).res.status).toBe(303);
    expect((await site.get('/admin')).res.status).toBe(200);
    restoreClock = useClock({ now: () => start + 92 * 60_000 });
    expect((await site.get('/admin')).res.status).toBe(303);
    restoreClock();

    const busy = consoleBrowser(app);
    await busy.signIn(platformAdmin, PASSWORD);
    for (let minutes = 20; minutes < 8 * 60; minutes += 20) {
      restoreClock = useClock({ now: () => start + minutes * 60_000 });
      expect((await busy.get('/admin')).res.status, `${minutes} min`).toBe(200);
    }
    restoreClock = useClock({ now: () => start + (8 * 60 + 1) * 60_000 });
    expect((await busy.get('/admin')).res.status).toBe(303);
  });

  it('redirects GETs without a session to sign-in, and back only to console paths (S36)', async () => {
    const browser = consoleBrowser(app);
    const page = await browser.get('/admin');
    expect(page.res.status).toBe(303);
    expect(page.res.headers.get('location')).toBe('/admin/login?next=%2Fadmin');
    for (const next of ['https://evil.example', '//evil.example', '/admin/../auth', '/admin\\@evil']) {
      const b = consoleBrowser(app);
      const { res } = await b.signIn(platformAdmin, PASSWORD, `?next=${encodeURIComponent(next)}`);
      expect(res.headers.get('location'), next).toBe('/admin');
    }
  });
});

describe('console forms (S36)', () => {
  it('refuses sign-in without the CSRF token, or marked cross-site, with the form re-rendered', async () => {
    const browser = consoleBrowser(app);
    await browser.get('/admin/login');
    const forged = await browser.post('/admin/login', {
      csrf_token: 'forged',
      email: platformAdmin,
      password: PASSWORD,
    });
    expect(forged.res.status).toBe(403);
    expect(forged.html).toContain('The form expired');
    expect(browser.jar.has('__Host-lambdalith_admin')).toBe(false);
    const page = await browser.get('/admin/login');
    const cross = await browser.post(
      '/admin/login',
      { csrf_token: browser.csrfFrom(page.html), email: platformAdmin, password: PASSWORD },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(cross.res.status).toBe(403);
  });

  it('refuses sign-out without the CSRF token', async () => {
    const browser = consoleBrowser(app);
    await browser.signIn(platformAdmin, PASSWORD);
    expect((await browser.post('/admin/logout', { csrf_token: 'x' })).res.status).toBe(403);
    expect((await browser.get('/admin')).res.status).toBe(200);
  });
});

describe('console roles', () => {
  it('a user without an admin role cannot sign in; the answer matches a wrong password', async () => {
    const plain = await registerAndLogin(app, site.apiKey);
    const refused = await consoleBrowser(app).signIn(plain.email, plain.password);
    const wrong = await consoleBrowser(app).signIn(platformAdmin, 'not the console password');
    expect(refused.res.status).toBe(401);
    expect(refused.html).toContain('Wrong email or password.');
    expect(wrong.res.status).toBe(401);
  });

  it('a site admin sees only their own site; a platform admin sees every site', async () => {
    const siteBrowser = consoleBrowser(app);
    expect((await siteBrowser.signIn(siteAdmin.email, siteAdmin.password)).res.status).toBe(303);
    const own = await siteBrowser.get('/admin');
    expect(own.html).toContain('Admin Site');
    expect(own.html).not.toContain('Someone Else');
    expect(own.html).toContain('site admin');
    const root = consoleBrowser(app);
    await root.signIn(platformAdmin, PASSWORD);
    const names: string[] = [];
    for (let path: string | undefined = '/admin/tenants'; path; ) {
      const page = await root.get(path);
      names.push(...[...page.html.matchAll(/">([^<]+)<\/a><\/td><td><code>/g)].map((m) => m[1] as string));
      path = /href="(\/admin\/tenants\?after=[^"]+)"/.exec(page.html)?.[1];
    }
    expect(names).toEqual(expect.arrayContaining(['Admin Site', 'Someone Else']));
  });

  it('shares the API lockout: wrong console passwords lock the same account out of /auth/login', async () => {
    const target = await registerAndLogin(app, otherSite.apiKey);
    await setUserRoles(userIdOf(otherSite.tenant.clientId, otherSite.tenant.siteId, target.email), [
      'tenant_admin',
    ]);
    for (let i = 0; i < 3; i++) await consoleBrowser(app).signIn(target.email, `wrong console guess ${i}`);
    const api = await client(app).post(
      '/auth/login',
      { email: target.email, password: target.password },
      withKey(otherSite.apiKey),
    );
    expect(api.status).toBe(429);
  });
});

describe('console sign-in with two-factor', () => {
  it('an admin with TOTP must give a fresh code: none, wrong or reused codes are refused', async () => {
    const admin = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
    const api = client(app);
    const setup = await api.post('/auth/mfa/totp/setup', undefined, {
      authorization: `Bearer ${admin.token}`,
    });
    const start = Date.now();
    restoreClock = useClock({ now: () => start });
    const activateCode = await totpAt(setup.body.secret, Math.floor(start / 1000));
    expect(
      (
        await api.post(
          '/auth/mfa/totp/activate',
          { code: activateCode },
          { authorization: `Bearer ${admin.token}` },
        )
      ).status,
    ).toBe(200);

    const signIn = async (code: string) => {
      const b = consoleBrowser(app);
      const page = await b.get('/admin/login');
      return b.post('/admin/login', {
        csrf_token: b.csrfFrom(page.html),
        email: admin.email,
        password: admin.password,
        code,
      });
    };
    const none = await signIn('');
    expect(none.res.status).toBe(401);
    expect(none.html).toContain('Enter the code from your authenticator app');
    expect((await signIn('000000')).res.status).toBe(401);
    restoreClock = useClock({ now: () => start + 60_000 });
    const code = await totpAt(setup.body.secret, Math.floor((start + 60_000) / 1000));
    expect((await signIn(code)).res.status).toBe(303);
    const reused = await signIn(code);
    expect(reused.res.status).toBe(401);
    expect(reused.html).toContain('Wrong or already used authenticator code');
  });
});

describe('bootstrap (npm run admin:create)', () => {
  it('refuses a second account for the same address and passwords under 15 characters', async () => {
    await expect(
      createPlatformAdmin({ email: platformAdmin, password: 'another long passphrase' }),
    ).rejects.toThrow(/already has a console account/);
    await expect(createPlatformAdmin({ email: uniqueEmail(), password: 'short pass' })).rejects.toThrow(
      BootstrapError,
    );
    await expect(createPlatformAdmin({ email: 'not-an-email', password: PASSWORD })).rejects.toThrow(
      /not an email address/,
    );
  });

  it('npm run admin:create prints a generated password that signs in, and refuses the same address twice', async () => {
    const { spawnSync } = await import('node:child_process');
    const { resolve } = await import('node:path');
    const root = resolve(import.meta.dirname, '../..');
    const email = uniqueEmail('cli');
    const run = () =>
      spawnSync(
        process.execPath,
        [
          resolve(root, 'node_modules/tsx/dist/cli.mjs'),
          'src/admin/cli.ts',
          '--email',
          email,
          '--name',
          'CLI',
        ],
        {
          cwd: root,
          env: process.env,
          encoding: 'utf8',
        },
      );
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    const password = /with password: (\S+)/.exec(first.stdout)?.[1] as string;
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect((await consoleBrowser(app).signIn(email, password)).res.status).toBe(303);
    const second = run();
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('already has a console account');
  });

  it('the platform tenant cannot be used by any site: it has no API key and no origins', async () => {
    const { getTenant } = await import('../../src/core/db/tenants');
    const platform = await getTenant('platform', 'console');
    expect(platform).toMatchObject({ allowedOrigins: [], status: 'active' });
  });
});
