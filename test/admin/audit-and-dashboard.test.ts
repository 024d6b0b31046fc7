import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { putAuditEvent } from '../../src/core/db/audit-log';
import { setUserRoles, userIdOf } from '../../src/core/db/users';
import { consoleBrowser } from '../support/console';
import { client, withKey } from '../support/http';
import { countAuditEvents } from '../support/stats';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
const PASSWORD = 'audit page admin passphrase';
let root: ReturnType<typeof consoleBrowser>;
let site: TestTenant;
let email: string;
const tid = () => `${site.tenant.clientId}#${site.tenant.siteId}`;

beforeAll(async () => {
  const admin = uniqueEmail('audit-root');
  await createPlatformAdmin({ email: admin, password: PASSWORD });
  root = consoleBrowser(app);
  await root.signIn(admin, PASSWORD);
  site = await createTestTenant({ name: 'Audited Site' });
  ({ email } = await registerAndLogin(app, site.apiKey));
  await registerAndLogin(app, site.apiKey);
  await api.post('/auth/login', { email, password: 'wrong one' }, withKey(site.apiKey));
  await api.post('/auth/login', { email, password: 'wrong two' }, withKey(site.apiKey));
});

const rowOf = (html: string, name: string) => {
  const at = html.indexOf(`>${name}</a>`);
  return html
    .slice(at, html.indexOf('</tr>', at))
    .match(/<td>([^<]*)<\/td>/g)
    ?.map((c) => c.replace(/<\/?td>/g, ''));
};

describe('console: dashboard and audit log', () => {
  it("the dashboard counts a site's users and its sign-ins and failures of the last 24 hours", async () => {
    // The site's own admin sees just this site, whatever else the test run created.
    const admin = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
    const browser = consoleBrowser(app);
    await browser.signIn(admin.email, admin.password);
    await countAuditEvents(site.tenant.id);
    const { html } = await browser.get('/admin');
    // users, with MFA (the admin's authenticator for the console), sign-ins (2 API logins + this admin's API and
    // console sign-ins), failures, lockouts,
    // refresh-token reuse, status
    expect(rowOf(html, 'Audited Site')).toEqual(['3', '1', '4', '2', '0', '0', 'active']);
    expect(html).toMatch(/<strong>\d+<\/strong> emails queued/);
    // SMS is configured in the tests (the fake Twilio), so its queue shows too.
    expect(html).toMatch(/<strong>\d+<\/strong> SMS queued/);
  });

  it('filters by event, by user and by date range', async () => {
    const base = `/admin/audit?tenant=${encodeURIComponent(tid())}`;
    const fails = await root.get(`${base}&event=authn_login_fail`);
    expect((fails.html.match(/<td>authn_login_fail<\/td>/g) ?? []).length).toBe(2);
    expect(fails.html).not.toContain('<td>authn_login_success</td>');
    const userId = `${tid()}#${email}`;
    const mine = await root.get(`${base}&user=${encodeURIComponent(userId)}`);
    expect(mine.html).toContain('<td>user_created</td>');
    expect((mine.html.match(/<td>authn_login_success<\/td>/g) ?? []).length).toBe(1);
    const past = await root.get(`${base}&from=2020-01-01&to=2020-01-02`);
    expect(past.html).toContain('No events match.');
  });

  it('pages through older events', async () => {
    const busy = await createTestTenant({ name: 'Busy Site' });
    const busyId = `${busy.tenant.clientId}#${busy.tenant.siteId}`;
    for (let i = 0; i < 55; i++) {
      await putAuditEvent({
        tenantId: busyId,
        event: 'authn_login_success',
        outcome: 'success',
        time: new Date(Date.now() - i * 1000).toISOString(),
        ip: '203.0.113.9',
        userAgent: 'x',
      });
    }
    const first = await root.get(`/admin/audit?tenant=${encodeURIComponent(busyId)}`);
    expect((first.html.match(/<td>authn_login_success<\/td>/g) ?? []).length).toBe(50);
    const older = /href="(\/admin\/audit\?[^"]+)">Older events/
      .exec(first.html)?.[1]
      ?.replaceAll('&amp;', '&') as string;
    const second = await root.get(older);
    expect((second.html.match(/<td>authn_login_success<\/td>/g) ?? []).length).toBe(5);
  });

  it('shows console actions in the audit log with who did them', async () => {
    const userPath = `/admin/users/${encodeURIComponent(`${tid()}#${email}`)}`;
    const page = await root.get(userPath);
    expect((await root.post(`${userPath}/unlock`, { csrf_token: root.csrfFrom(page.html) })).res.status).toBe(
      303,
    );
    const { html } = await root.get(
      `/admin/audit?tenant=${encodeURIComponent(tid())}&event=admin_user_unlock`,
    );
    expect(html).toContain('<td>admin_user_unlock</td>');
    expect(html).toMatch(/by=platform#console#audit-root-[\w-]+@example\.com/);
  });
});
