// The console's security center (issue 17 §1): the Security page's figures, alerts (acknowledge, resolve) and recent
// events; the feed with filters; the JSON API (metrics, events, alerts, sessions) for platform admins; and each
// platform admin's alert preferences. Bad filters and forms are 4xx and change nothing; site admins see none of it.
// Its own AuditLog and Tenants tables keep its feed, alerts and lockdowns apart from other files.
import { beforeAll, describe, expect, it } from 'vitest';
import { ownTables } from '../support/own-tables';

await ownTables({ AUDIT_TABLE: 'AuditLogTable', TENANTS_TABLE: 'TenantsTable' });
// The run's dead-letter queues are shared with other files (their failures are not this file's alerts).
process.env.ALERT_DLQ_URLS = '';
const { createApp } = await import('../../src/app');
const { createPlatformAdmin, PLATFORM_TENANT } = await import('../../src/admin/bootstrap');
const { listAlerts } = await import('../../src/core/db/alerts');
const { getAlertPreferences } = await import('../../src/core/db/admin-profile');
const { setLockdown } = await import('../../src/core/db/revocations');
const { setUserRoles, userIdOf } = await import('../../src/core/db/users');
const { evaluateAlerts } = await import('../../src/security/run');
const { consoleBrowser } = await import('../support/console');
const { consoleCodeFor } = await import('../support/console-mfa');
const { bearer, client } = await import('../support/http');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin, uniqueEmail } = await import('../support/users');

const app = createApp();
const api = client(app);
const PASSWORD = 'security center passphrase';
const ROOT = uniqueEmail('center-root');
type Site = Awaited<ReturnType<typeof createTestTenant>>;
let site: Site;
let root: ReturnType<typeof consoleBrowser>;
let csrf = '';

/** JSON as a signed-in console sends it (cookie session, CSRF header). */
async function json(method: string, path: string, body?: unknown) {
  const cookie = [...root.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await app.request(path, {
    method,
    headers: {
      cookie,
      'x-csrf-token': csrf,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, any>,
    text,
  };
}

beforeAll(async () => {
  site = await createTestTenant();
  await createPlatformAdmin({ email: ROOT, password: PASSWORD });
  root = consoleBrowser(app);
  await root.signIn(ROOT, PASSWORD);
  csrf = root.csrfFrom((await root.get('/admin/security')).html);
  // Some history: a failed step-up (low), and a lockdown the rules turn into a critical alert.
  await json('POST', '/admin/api/security/step-up', { code: '000000' });
  await setLockdown(`tenant:${site.tenant.id}`, { reason: 'drill', by: ROOT, at: new Date().toISOString() });
  await evaluateAlerts();
  await setLockdown(`tenant:${site.tenant.id}`, undefined);
});

describe('the Security page', () => {
  it('shows the figures, the open alert with acknowledge and resolve, and recent events', async () => {
    let page = await root.get('/admin/security');
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('Emergency lockdown engaged (tenant:');
    expect(page.html).toMatch(/<dt>Open alerts<\/dt><dd>1<\/dd>/);
    expect(page.html).toContain('admin_step_up');
    const [alert] = await listAlerts(['open']);
    const acknowledged = await root.post(`/admin/security/alerts/${alert?.id}/acknowledge`, {
      csrf_token: csrf,
    });
    expect(acknowledged.res.status).toBe(303);
    page = await root.get('/admin/security?notice=alert_acknowledged');
    expect(page.html).toContain(`acknowledged by ${ROOT}`);
    expect(
      (await root.post(`/admin/security/alerts/${alert?.id}/resolve`, { csrf_token: csrf })).res.status,
    ).toBe(303);
    expect((await root.get('/admin/security')).html).toContain('No open alerts.');
    expect(
      (await root.post('/admin/security/alerts/0123456789abcdef0123/resolve', { csrf_token: csrf })).res
        .status,
    ).toBe(404);
    // Without the CSRF token nothing changes.
    expect((await root.post(`/admin/security/alerts/${alert?.id}/acknowledge`, {})).res.status).toBe(403);
  });

  it('S32: the feed filters by severity, kind, site and dates; bad filters are a 422 with the form', async () => {
    const low = await root.get('/admin/security/events?severity=low');
    expect(low.html).toContain('admin_step_up');
    expect(low.html).not.toContain('security_alert_opened');
    const critical = await root.get(
      `/admin/security/events?category=alert&site=${encodeURIComponent(site.tenant.id)}`,
    );
    expect(critical.html).toContain('security_alert_opened');
    const today = new Date().toISOString().slice(0, 10);
    expect((await root.get(`/admin/security/events?from=${today}&to=${today}`)).html).toContain(
      'admin_step_up',
    );
    expect((await root.get('/admin/security/events?from=2001-01-01&to=2001-01-02')).html).toContain(
      'No security events match.',
    );
    for (const bad of ['severity=urgent', 'category=gossip', 'site=nope', 'from=yesterday', 'limit=0']) {
      const res = await root.get(`/admin/security/events?${bad}`);
      expect(res.res.status, bad).toBe(422);
      expect(res.html).toContain('<form method="get" action="/admin/security/events"');
    }
  });
});

describe('the security JSON API', () => {
  it('metrics, events and alerts for platform admins; bad filters are 4xx; an unknown alert is a 404', async () => {
    const metrics = await json('GET', '/admin/api/security/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatchObject({ window_hours: 24, alerts: { open: 0 }, lockdowns: [] });
    expect(metrics.body.events.by_severity.critical).toBeGreaterThanOrEqual(1);
    const events = await json('GET', '/admin/api/security/events?severity=low,medium&limit=5');
    expect(events.status).toBe(200);
    expect(
      events.body.events.every((e: { severity: string }) => ['low', 'medium'].includes(e.severity)),
    ).toBe(true);
    expect((await json('GET', '/admin/api/security/events?severity=urgent')).status).toBe(422);
    expect((await json('GET', '/admin/api/security/events?after=junk')).status).toBe(400);
    const alerts = await json('GET', '/admin/api/security/alerts?status=resolved');
    expect(alerts.body.alerts.map((a: { rule: string }) => a.rule)).toEqual(['lockdown']);
    expect((await json('GET', '/admin/api/security/alerts?status=maybe')).status).toBe(422);
    expect((await json('POST', '/admin/api/security/alerts/0123456789abcdef0123/acknowledge')).status).toBe(
      404,
    );
    expect((await json('POST', '/admin/api/security/alerts/not-an-id/resolve')).status).toBe(404);
  });

  it('site admins get 404 for the security center, and list and end only their own sessions', async () => {
    const admin = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
    await consoleCodeFor(admin.email);
    for (const path of [
      '/admin/api/security/metrics',
      '/admin/api/security/events',
      '/admin/api/security/alerts',
    ]) {
      expect((await api.get(path, bearer(admin.token))).status, path).toBe(404);
    }
    const laptop = consoleBrowser(app);
    await laptop.signIn(admin.email, admin.password);
    const mine = await api.get('/admin/api/security/sessions', bearer(admin.token));
    expect(mine.status).toBe(200);
    expect(mine.body.sessions).toHaveLength(1);
    const id = mine.body.sessions[0].id as string;
    const rootSessions = (await json('GET', '/admin/api/security/sessions')).body.sessions as {
      id: string;
    }[];
    expect(rootSessions.map((s) => s.id)).not.toContain(id);
    expect(
      (await api.delete(`/admin/api/security/sessions/${rootSessions[0]?.id}`, bearer(admin.token))).status,
    ).toBe(404);
    expect((await api.delete(`/admin/api/security/sessions/${id}`, bearer(admin.token))).status).toBe(200);
    expect((await laptop.get('/admin')).res.headers.get('location')).toMatch(/^\/admin\/login/);
  });
});

describe('alert preferences', () => {
  const rootId = () => userIdOf(PLATFORM_TENANT.clientId, PLATFORM_TENANT.siteId, ROOT);

  it('S46: saves rules, severity and channels; a webhook secret is shown once (kept sealed); bad numbers and URLs re-render the form with nothing saved', async () => {
    const page = await root.get('/admin/account/alerts');
    expect(page.res.status).toBe(200);
    expect(page.html).toContain('A refresh token was used twice');
    const form = { csrf_token: csrf, rules: 'token_reuse', min_severity: 'high', email: 'on' };
    for (const [bad, message] of [
      [{ sms_to: '555-0100' }, 'international form'],
      [{ webhook_url: 'ftp://example.com/hook' }, 'http(s) URL'],
      [{ min_severity: 'urgent' }, 'one of low'],
      [{ rules: 'gossip' }, 'one or more of'],
    ] as const) {
      const res = await root.post('/admin/account/alerts', { ...form, ...bad });
      expect(res.res.status, JSON.stringify(bad)).toBe(422);
      expect(res.html).toContain(message);
    }
    expect(await getAlertPreferences(rootId())).toBeUndefined();

    const saved = await root.post('/admin/account/alerts', {
      ...form,
      webhook_url: 'https://hooks.example.com/lambdalith',
    });
    expect(saved.res.status).toBe(200);
    const secret = /<code class="secret">(whsec_[\w-]+)<\/code>/.exec(saved.html)?.[1];
    expect(secret).toBeDefined();
    expect(await getAlertPreferences(rootId())).toMatchObject({
      rules: ['token_reuse'],
      minSeverity: 'high',
      email: true,
      webhookUrl: 'https://hooks.example.com/lambdalith',
    });
    const again = await root.get('/admin/account/alerts');
    expect(again.html).not.toContain(secret as string);
    expect(again.html).toContain('A signing secret is set');
    // Saving the same URL keeps the secret; nothing is shown.
    const kept = await root.post('/admin/account/alerts', {
      ...form,
      webhook_url: 'https://hooks.example.com/lambdalith',
    });
    expect(kept.res.status).toBe(303);
  });

  it('is for platform admins only', async () => {
    const admin = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
    const browser = consoleBrowser(app);
    await browser.signIn(admin.email, admin.password);
    expect((await browser.get('/admin/account/alerts')).res.status).toBe(404);
  });
});
