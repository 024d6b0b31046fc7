// Emergency lockdown (issue 17, S48): one action refuses every sign-in, refresh and second step of a site, or of all
// sites, with a clear 503 `lockdown`, before any credential is looked at; platform admins keep the console. It rests
// on a step-up code and a reason, is audited, and reaches a second app instance within its control check (5 s here,
// the default), not just the instance that engaged it. This file has its own Tenants table, where the control item
// lives, so a global lockdown here touches no other file's sites.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownTables } from '../support/own-tables';

await ownTables({ TENANTS_TABLE: 'TenantsTable' });
const { totpAt } = await import('../../src/auth/mfa/totp');
const { createApp } = await import('../../src/app');
const { createPlatformAdmin } = await import('../../src/admin/bootstrap');
const { listAuditEvents } = await import('../../src/core/db/audit-log');
const { setUserRoles, userIdOf } = await import('../../src/core/db/users');
const { bearer, client, withKey } = await import('../support/http');
const { consoleBrowser } = await import('../support/console');
const { consoleCodeFor } = await import('../support/console-mfa');
const { startSecondInstance } = await import('../support/second-instance');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin, uniqueEmail } = await import('../support/users');

const app = createApp();
const api = client(app);
type Site = Awaited<ReturnType<typeof createTestTenant>>;
let locked: Site;
let open: Site;
const ADMIN = { email: uniqueEmail('lockdown-root'), password: 'lockdown admin passphrase' };
let stopSecond: (() => void) | undefined;

beforeAll(async () => {
  locked = await createTestTenant();
  open = await createTestTenant();
  await createPlatformAdmin(ADMIN);
});
afterAll(() => stopSecond?.());

/** A signed-in console and its JSON calls (cookie session, CSRF header). */
async function consoleApi(email = ADMIN.email, password = ADMIN.password) {
  const browser = consoleBrowser(app);
  await browser.signIn(email, password);
  const csrf =
    browser.csrfFrom((await browser.get('/admin/security')).html) || browser.jar.get('__Host-csrf') || '';
  const cookie = () => [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const json = async (path: string, body: unknown) => {
    const res = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: cookie(), 'x-csrf-token': csrf },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  return { browser, json };
}

const login = (user: { email: string; password: string }, site: Site, target = api) =>
  target.post('/auth/login', { email: user.email, password: user.password }, withKey(site.apiKey));

describe('emergency lockdown', () => {
  it('S48: a site lockdown refuses its sign-ins and refreshes on this and a second instance, not other sites; lifting restores them', {
    timeout: 60_000,
  }, async () => {
    const user = await registerAndLogin(app, locked.apiKey);
    const other = await registerAndLogin(app, open.apiKey);
    // This instance's console (its feature loads here, in this module graph).
    const { json } = await consoleApi();
    // A second warm instance in a process of its own (its own caches and control check), warmed up first.
    const second = await startSecondInstance();
    stopSecond = second.stop;
    // Polled as an unknown address: no session piles up, and the answer is 401 until the lockdown's 503.
    const stranger = uniqueEmail('poll');
    const loginThere = () =>
      fetch(`${second.base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': locked.apiKey },
        body: JSON.stringify({ email: stranger, password: 'whatever it is' }),
      }).then(async (r) => ({ status: r.status, code: ((await r.json()) as { code?: string }).code }));
    /** Polls the other instance until `want`, and says how long that took. */
    const seenThere = async (want: (r: { status: number; code?: string }) => boolean) => {
      const started = Date.now();
      while (Date.now() - started < 15_000) {
        if (want(await loginThere())) return Date.now() - started;
        await new Promise((r) => setTimeout(r, 250));
      }
      return Number.POSITIVE_INFINITY;
    };
    expect((await loginThere()).status).toBe(401);

    const engaged = await json('/admin/api/security/emergency-lockdown', {
      reason: 'credential stuffing from a botnet',
      scope: `tenant:${locked.tenant.id}`,
      code: await consoleCodeFor(ADMIN.email),
    });
    expect(engaged.status, JSON.stringify(engaged.body)).toBe(200);
    expect(engaged.body.lockdowns[`tenant:${locked.tenant.id}`]).toMatchObject({
      reason: 'credential stuffing from a botnet',
      by: ADMIN.email.toLowerCase(),
    });

    const refused = await login(user, locked);
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('lockdown');
    expect(refused.headers.get('retry-after')).toBe('60');
    // The same answer for a wrong password: no oracle while locked.
    expect((await login({ ...user, password: 'wrong guess' }, locked)).body.code).toBe('lockdown');
    expect((await api.post('/auth/token/refresh', { refresh_token: user.refreshToken })).body.code).toBe(
      'lockdown',
    );
    expect((await login(other, open)).status).toBe(200);

    // The second instance: within its control check (5 s by default; S48 asks for 10), whatever it had cached.
    expect(await seenThere((r) => r.code === 'lockdown')).toBeLessThan(10_000);

    const lifted = await json('/admin/api/security/emergency-lockdown/lift', {
      reason: 'botnet blocked upstream',
      scope: `tenant:${locked.tenant.id}`,
      code: await consoleCodeFor(ADMIN.email),
    });
    expect(lifted.status).toBe(200);
    expect(lifted.body.lockdowns).toEqual({});
    expect((await login(user, locked)).status).toBe(200);
    // The refresh token refused during the lockdown was not spent by it.
    const refreshed = await api.post('/auth/token/refresh', { refresh_token: user.refreshToken });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(await seenThere((r) => r.status === 401)).toBeLessThan(10_000);
    const events = (await listAuditEvents(locked.tenant.id, 50)).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['security_lockdown_engaged', 'security_lockdown_lifted']));
  });

  it('S22: a second step started before the lockdown is refused during it, and still works after', async () => {
    const user = await registerAndLogin(app, locked.apiKey);
    const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(user.token));
    await api.post(
      '/auth/mfa/totp/activate',
      { code: await totpAt(setup.body.secret, Math.floor(Date.now() / 1000)) },
      bearer(user.token),
    );
    const step = await login(user, locked);
    expect(step.body.mfa_required).toBe(true);
    const { json } = await consoleApi();
    const scope = `tenant:${locked.tenant.id}`;
    await json('/admin/api/security/emergency-lockdown', {
      reason: 'investigating',
      scope,
      code: await consoleCodeFor(ADMIN.email),
    });
    const code = await totpAt(setup.body.secret, Math.floor(Date.now() / 1000) + 30);
    const during = await api.post('/auth/mfa/verify', { mfa_token: step.body.mfa_token, code });
    expect(during.body.code).toBe('lockdown');
    await json('/admin/api/security/emergency-lockdown/lift', {
      reason: 'done',
      scope,
      code: await consoleCodeFor(ADMIN.email),
    });
    const after = await api.post('/auth/mfa/verify', { mfa_token: step.body.mfa_token, code });
    expect(after.status, after.text).toBe(200);
  });

  it('revoke_sessions ends the scope’s signed-in sessions; new ones after the lift work', async () => {
    const user = await registerAndLogin(app, locked.apiKey);
    expect((await api.get('/user/me', bearer(user.token))).status).toBe(200);
    const { json } = await consoleApi();
    const scope = `tenant:${locked.tenant.id}`;
    await json('/admin/api/security/emergency-lockdown', {
      reason: 'token theft suspected',
      scope,
      revoke_sessions: true,
      code: await consoleCodeFor(ADMIN.email),
    });
    expect((await api.get('/user/me', bearer(user.token))).status).toBe(401);
    await json('/admin/api/security/emergency-lockdown/lift', {
      reason: 'rotated',
      scope,
      code: await consoleCodeFor(ADMIN.email),
    });
    expect((await api.get('/user/me', bearer(user.token))).status).toBe(401);
    const again = await login(user, locked);
    expect((await api.get('/user/me', bearer(again.body.token))).status).toBe(200);
  });

  it('a global lockdown covers every site but not the platform admins’ console', async () => {
    const user = await registerAndLogin(app, open.apiKey);
    const { json, browser } = await consoleApi();
    await json('/admin/api/security/emergency-lockdown', {
      reason: 'global incident',
      scope: 'global',
      code: await consoleCodeFor(ADMIN.email),
    });
    try {
      expect((await login(user, open)).body.code).toBe('lockdown');
      const page = await browser.get('/admin/security');
      expect(page.res.status).toBe(200);
      expect(page.html).toContain('Emergency lockdown engaged (global)');
      // A platform admin still signs in to the console.
      expect((await consoleBrowser(app).signIn(ADMIN.email, ADMIN.password)).res.status).toBe(303);
    } finally {
      await json('/admin/api/security/emergency-lockdown/lift', {
        reason: 'over',
        scope: 'global',
        code: await consoleCodeFor(ADMIN.email),
      });
    }
    expect((await login(user, open)).status).toBe(200);
  });

  it('needs a step-up code, a reason and a real scope; site admins cannot reach it; bad input changes nothing', async () => {
    const { json } = await consoleApi();
    const scope = `tenant:${locked.tenant.id}`;
    // A new console session has not stepped up: without a code the action is refused, asking for one.
    const noCode = await json('/admin/api/security/emergency-lockdown', { reason: 'no code', scope });
    expect(noCode.status).toBe(403);
    expect(noCode.body.code).toBe('step_up_required');
    for (const body of [
      { reason: 'wrong code', scope, code: '000000' },
      { reason: 'x', scope, code: await consoleCodeFor(ADMIN.email) },
      { reason: 'unknown site', scope: 'tenant:nobody#none', code: await consoleCodeFor(ADMIN.email) },
      { reason: 'bad scope', scope: 'everything', code: await consoleCodeFor(ADMIN.email) },
      { reason: 'line\nbreak', scope, code: await consoleCodeFor(ADMIN.email) },
    ]) {
      const res = await json('/admin/api/security/emergency-lockdown', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect((await json('/admin/api/security/emergency-lockdown', '[]' as never)).status).toBe(422);
    const user = await registerAndLogin(app, locked.apiKey);
    expect((await login(user, locked)).status).toBe(200);

    const siteAdmin = await registerAndLogin(app, locked.apiKey);
    await setUserRoles(userIdOf(locked.tenant.clientId, locked.tenant.siteId, siteAdmin.email), [
      'tenant_admin',
    ]);
    const theirs = await consoleApi(siteAdmin.email, siteAdmin.password);
    const refused = await theirs.json('/admin/api/security/emergency-lockdown', {
      reason: 'not mine to pull',
      scope,
      code: await consoleCodeFor(siteAdmin.email),
    });
    expect(refused.status).toBe(404);
    expect((await theirs.browser.get('/admin/security')).res.status).toBe(404);
    expect((await login(user, locked)).status).toBe(200);
  });

  it('the console page engages and lifts it with forms, and shows the banner meanwhile', async () => {
    const { browser } = await consoleApi();
    let page = await browser.get('/admin/security');
    expect(page.html).toContain('No lockdown is engaged.');
    const csrf = browser.csrfFrom(page.html);
    const scope = `tenant:${open.tenant.id}`;
    const wrong = await browser.post('/admin/security/lockdown', {
      csrf_token: csrf,
      scope,
      reason: 'drill',
      code: '000000',
    });
    expect(wrong.res.status).toBe(422);
    expect(wrong.html).toContain('code: enter a fresh code');
    const done = await browser.post('/admin/security/lockdown', {
      csrf_token: csrf,
      scope,
      reason: 'drill',
      code: await consoleCodeFor(ADMIN.email),
    });
    expect(done.res.status).toBe(303);
    page = await browser.get('/admin/security?notice=lockdown_engaged');
    expect(page.html).toContain(`Emergency lockdown engaged (${scope})`);
    expect(page.html).toContain('drill');
    const lift = await browser.post('/admin/security/lockdown/lift', {
      csrf_token: csrf,
      scope,
      reason: 'drill over',
      code: await consoleCodeFor(ADMIN.email),
    });
    expect(lift.res.status).toBe(303);
    expect((await browser.get('/admin/security')).html).toContain('No lockdown is engaged.');
  });
});
