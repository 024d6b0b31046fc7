// Step-up and session levels (issue 17 §5, S27, S23): API key rotation, role changes and another user's MFA reset
// need an authenticator code within the last five minutes, recorded on the session making the request; a console form
// without one shows a prompt and changes nothing, and the admin returns to the page after confirming. Wrong codes are
// limited; a code works once, even 50 times at once. Console sessions idle out by security level.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin, PLATFORM_TENANT } from '../../src/admin/bootstrap';
import { consoleLevelOf, consoleSessionLimits } from '../../src/admin/session-levels';
import { createApp } from '../../src/app';
import { useClock } from '../../src/core/clock';
import { getApiKeyByHash } from '../../src/core/db/api-keys';
import { listAuditEvents } from '../../src/core/db/audit-log';
import { getUser, setUserRoles, userIdOf } from '../../src/core/db/users';
import { consoleBrowser } from '../support/console';
import { consoleCodeFor } from '../support/console-mfa';
import { bearer, client } from '../support/http';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
const PASSWORD = 'step up admin passphrase';
const ROOT = uniqueEmail('step-up-root');
let site: TestTenant;
let restoreClock: (() => void) | undefined;

beforeAll(async () => {
  await createPlatformAdmin({ email: ROOT, password: PASSWORD });
  site = await createTestTenant({ name: 'Step-up Site' });
});
afterEach(() => {
  restoreClock?.();
  restoreClock = undefined;
});

const tenantPath = () => `/admin/tenants/${encodeURIComponent(site.tenant.id)}`;
const platformEvents = async (admin: string) =>
  (await listAuditEvents((await getUser(admin))?.tenantId ?? '')).filter(
    (e) => e.event === 'admin_step_up' && e.userId === admin,
  );

/** A site admin with a Bearer token and an authenticator, as a script using the JSON API would be. */
async function siteAdminWithToken() {
  const admin = await registerAndLogin(app, site.apiKey);
  await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
  await consoleCodeFor(admin.email);
  return admin;
}

describe('step-up for sensitive console actions', () => {
  it('S27: rotating a key without a step-up shows the prompt and changes nothing; a code returns to the page, the rotation passes, and five minutes later it is asked again', async () => {
    const root = consoleBrowser(app);
    await root.signIn(ROOT, PASSWORD);
    const page = await root.get(tenantPath());
    const rotate = (hash: string) =>
      root.post(
        `${tenantPath()}/keys/${hash}/rotate`,
        { csrf_token: root.csrfFrom(page.html) },
        { referer: `http://localhost${tenantPath()}` },
      );
    const asked = await rotate(site.keyHash);
    expect(asked.res.status).toBe(403);
    expect(asked.html).toContain('Confirm it is you');
    expect(asked.html).toContain(`name="next" value="${tenantPath()}"`);
    expect((await getApiKeyByHash(site.keyHash))?.status).toBe('active');

    const csrf = root.csrfFrom(asked.html);
    const wrong = await root.post('/admin/step-up', { csrf_token: csrf, next: tenantPath(), code: '000000' });
    expect(wrong.res.status).toBe(422);
    expect(wrong.html).toContain('Wrong or already used code.');
    const confirmed = await root.post('/admin/step-up', {
      csrf_token: csrf,
      next: tenantPath(),
      code: await consoleCodeFor(ROOT),
    });
    expect(confirmed.res.status).toBe(303);
    expect(confirmed.res.headers.get('location')).toBe(`${tenantPath()}?notice=stepped_up`);
    expect((await root.get(confirmed.res.headers.get('location') as string)).html).toContain(
      'sensitive actions need no new code',
    );

    const rotated = await rotate(site.keyHash);
    expect(rotated.res.status).toBe(200);
    const newKey = /<code class="secret">([^<]+)<\/code>/.exec(rotated.html)?.[1] as string;
    expect(newKey).toMatch(/^ll_/);
    expect((await getApiKeyByHash(site.keyHash))?.status).toBe('revoked');
    site.apiKey = newKey;

    // Five minutes on, the step-up has lapsed.
    const start = Date.now();
    restoreClock = useClock({ now: () => start + 5 * 60_000 + 2_000 });
    const listing = await root.get(tenantPath());
    const hash = /\/keys\/([0-9a-f]{64})\/rotate/.exec(listing.html)?.[1] as string;
    expect((await rotate(hash)).res.status).toBe(403);
    expect((await getApiKeyByHash(hash))?.status).toBe('active');

    const events = await platformEvents(userIdOf(PLATFORM_TENANT.clientId, PLATFORM_TENANT.siteId, ROOT));
    expect(events.map((e) => e.outcome).sort()).toEqual(['failure', 'success']);
  });

  it('role changes and resetting another user’s two-factor sign-in need it too; a code in the form itself also counts', async () => {
    const root = consoleBrowser(app);
    await root.signIn(ROOT, PASSWORD);
    const target = await registerAndLogin(app, site.apiKey);
    const targetId = userIdOf(site.tenant.clientId, site.tenant.siteId, target.email);
    const path = `/admin/users/${encodeURIComponent(targetId)}`;
    const page = await root.get(path);
    const roles = await root.post(`${path}/roles`, {
      csrf_token: root.csrfFrom(page.html),
      tenant_admin: 'on',
    });
    expect(roles.res.status).toBe(403);
    expect(roles.html).toContain('Confirm it is you');
    // Browsers send no Referer here (Referrer-Policy: no-referrer): the prompt returns to the user's page.
    expect(roles.html).toContain(`name="next" value="${path}"`);
    expect((await getUser(targetId))?.roles ?? []).toEqual([]);
    expect((await root.post(`${path}/reset-mfa`, { csrf_token: root.csrfFrom(page.html) })).res.status).toBe(
      403,
    );

    const withCode = await root.post(`${path}/roles`, {
      csrf_token: root.csrfFrom(page.html),
      tenant_admin: 'on',
      code: await consoleCodeFor(ROOT),
    });
    expect(withCode.res.status).toBe(303);
    expect((await getUser(targetId))?.roles).toEqual(['tenant_admin']);
    // That code stepped the session up: the next sensitive action within five minutes needs none.
    expect((await root.post(`${path}/reset-mfa`, { csrf_token: root.csrfFrom(page.html) })).res.status).toBe(
      303,
    );
  });

  it('the JSON API: a Bearer admin steps up for its own session only; bad input is 422; no authenticator is 403', async () => {
    const admin = await siteAdminWithToken();
    const stepUp = (body: unknown, token = admin.token) =>
      api.post('/admin/api/security/step-up', body, bearer(token));
    for (const body of [{}, { code: 123456 }, { code: 'x'.repeat(21) }, '[]']) {
      const res = await stepUp(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.text).not.toMatch(/at .*\.ts/);
    }
    expect((await stepUp('not json')).status).toBe(400);
    expect(
      (
        await api.post('/admin/api/security/step-up', 'code=1', {
          ...bearer(admin.token),
          'content-type': 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(415);
    const ok = await stepUp({ code: await consoleCodeFor(admin.email) });
    expect(ok.status).toBe(200);
    const until = Date.parse(ok.body.stepped_up_until);
    expect(until - Date.now()).toBeGreaterThan(290_000);
    expect(until - Date.now()).toBeLessThanOrEqual(300_000);

    // A console session of the same admin did not step up: its rotation is asked for a code.
    const browser = consoleBrowser(app);
    await browser.signIn(admin.email, admin.password);
    const page = await browser.get(tenantPath());
    const hash = /\/keys\/([0-9a-f]{64})\/rotate/.exec(page.html)?.[1] as string;
    const asked = await browser.post(`${tenantPath()}/keys/${hash}/rotate`, {
      csrf_token: browser.csrfFrom(page.html),
    });
    expect(asked.res.status).toBe(403);
    expect((await getApiKeyByHash(hash))?.status).toBe('active');

    const bare = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, bare.email), ['tenant_admin']);
    const unavailable = await stepUp({ code: '123456' }, bare.token);
    expect(unavailable.status).toBe(403);
    expect(unavailable.body.code).toBe('step_up_unavailable');
  });

  it('S23: one code steps up once, even sent 50 times at once; five wrong codes in five minutes lock step-up (429 with Retry-After)', async () => {
    const admin = await siteAdminWithToken();
    const code = await consoleCodeFor(admin.email);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        api.post('/admin/api/security/step-up', { code }, bearer(admin.token)),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 422 || s === 429)).toBe(true);
    expect(statuses).not.toContain(500);

    const other = await siteAdminWithToken();
    for (let i = 0; i < 5; i++) {
      const wrong = await api.post('/admin/api/security/step-up', { code: '000000' }, bearer(other.token));
      expect(wrong.status).toBe(422);
    }
    const locked = await api.post(
      '/admin/api/security/step-up',
      { code: await consoleCodeFor(other.email) },
      bearer(other.token),
    );
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('console session levels (seed 002)', () => {
  it('standard 60, elevated 30, high 15 idle minutes; platform admins one level up', async () => {
    const platform = await getUser(userIdOf(PLATFORM_TENANT.clientId, PLATFORM_TENANT.siteId, ROOT));
    const siteAdmin = { ...(platform as NonNullable<typeof platform>), roles: ['tenant_admin'] };
    expect(platform).toBeDefined();
    expect(consoleLevelOf(siteAdmin, 'standard')).toBe('standard');
    expect(consoleLevelOf(platform as never, 'standard')).toBe('elevated');
    expect(consoleLevelOf(platform as never, 'elevated')).toBe('high');
    expect(consoleLevelOf(platform as never, 'high')).toBe('high');
    expect(consoleSessionLimits(siteAdmin, 'standard').idleSeconds).toBe(3600);
    expect(consoleSessionLimits(siteAdmin, 'elevated').idleSeconds).toBe(1800);
    expect(consoleSessionLimits(siteAdmin, 'high')).toMatchObject({
      idleSeconds: 900,
      absoluteSeconds: 4 * 3600,
    });
  });
});
