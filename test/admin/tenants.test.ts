import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { listAuditEvents } from '../../src/core/db/audit-log';
import { getTenantById } from '../../src/core/db/tenants';
import { setUserRoles, userIdOf } from '../../src/core/db/users';
import { consoleBrowser } from '../support/console';
import { client, withKey } from '../support/http';
import { createTestTenant } from '../support/tenants';
import { registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const PASSWORD = 'sites page admin passphrase';
let root: ReturnType<typeof consoleBrowser>;

beforeAll(async () => {
  const email = uniqueEmail('sites-root');
  await createPlatformAdmin({ email, password: PASSWORD });
  root = consoleBrowser(app);
  await root.signIn(email, PASSWORD);
});

async function createSite(fields: Record<string, string>) {
  const page = await root.get('/admin/tenants');
  return root.post('/admin/tenants', { csrf_token: root.csrfFrom(page.html), ...fields });
}
const keyIn = (html: string) => /<code class="secret">(ll_[\w-]+)<\/code>/.exec(html)?.[1];

describe('console: sites and API keys', () => {
  it('creates a site, and re-renders the form with field errors for bad input', async () => {
    const clientId = `C${randomUUID().slice(0, 8)}`;
    const bad = await createSite({
      client_id: 'has space',
      site_id: '',
      name: '',
      allowed_origins: 'not-an-origin',
    });
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('Client id: use 1-64 letters');
    expect(bad.html).toContain('Name: is required');
    expect(bad.html).toContain('Allowed origins: must be an origin');
    const ok = await createSite({
      client_id: clientId,
      site_id: 'Shop',
      name: 'New Shop',
      allowed_origins: 'https://shop.example\nhttps://www.shop.example/',
    });
    expect(ok.res.status).toBe(303);
    expect(ok.res.headers.get('location')).toBe(
      `/admin/tenants/${encodeURIComponent(`${clientId}#Shop`)}?notice=tenant_created`,
    );
    const page = await root.get(ok.res.headers.get('location') as string);
    expect(page.html).toContain('Site created.');
    expect(await getTenantById(`${clientId}#Shop`)).toMatchObject({
      name: 'New Shop',
      allowedOrigins: ['https://shop.example', 'https://www.shop.example'],
    });
    const dup = await createSite({
      client_id: clientId,
      site_id: 'Shop',
      name: 'Again',
      allowed_origins: '',
    });
    expect(dup.html).toContain('a site with this client and site id exists');
    const events = await listAuditEvents(`${clientId}#Shop`);
    expect(events.map((e) => e.event)).toContain('admin_tenant_created');
  });

  it('edits settings, keeping settings the form does not show', async () => {
    const site = await createTestTenant({
      settings: { sessions: { idle_seconds: 3600, absolute_seconds: 7200 } },
    });
    const id = encodeURIComponent(`${site.tenant.clientId}#${site.tenant.siteId}`);
    const page = await root.get(`/admin/tenants/${id}`);
    const saved = await root.post(`/admin/tenants/${id}`, {
      csrf_token: root.csrfFrom(page.html),
      name: 'Renamed',
      allowed_origins: 'https://renamed.example',
      reset_url: 'https://renamed.example/reset',
      verify_url: '',
      email_from: 'Renamed <hi@example.com>',
      product_name: '',
      password_min_length: '12',
      max_failures: '7',
      duplicate_email: 'conflict',
      status: 'active',
      cookie_mode: 'on',
      mfa: 'admins',
      mfa_sms_per_hour: '50',
    });
    expect(saved.res.status).toBe(303);
    const tenant = await getTenantById(`${site.tenant.clientId}#${site.tenant.siteId}`);
    expect(tenant).toMatchObject({ name: 'Renamed', allowedOrigins: ['https://renamed.example'] });
    expect(tenant?.settings).toMatchObject({
      cookie_mode: true,
      reset_url: 'https://renamed.example/reset',
      duplicate_email: 'conflict',
      password_min_length: 12,
      mfa: 'admins',
      mfa_sms_per_hour: 50,
      lockout: { max_failures: 7 },
      email: { from: 'Renamed <hi@example.com>' },
      sessions: { idle_seconds: 3600, absolute_seconds: 7200 },
    });
    const bad = await root.post(`/admin/tenants/${id}`, {
      csrf_token: root.csrfFrom(page.html),
      name: 'x',
      allowed_origins: '',
      reset_url: 'ftp://nope',
      verify_url: 'http://shop.example/verify',
      email_from: 'Someone <someone@elsewhere.test>',
      product_name: '',
      password_min_length: '3',
      max_failures: '5',
      status: 'active',
    });
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('Password reset page: must be an https URL (http only for localhost)');
    // Links carrying tokens are https (http only on this machine); senders are within the SES identity.
    expect(bad.html).toContain('Email verification page: must be an https URL (http only for localhost)');
    expect(bad.html).toContain('must be an address at example.com');
    expect(bad.html).toContain('Minimum password length: at least 8');
  });

  it('edits the secret-message settings, and refuses inconsistent TTL bounds', async () => {
    const site = await createTestTenant();
    const id = encodeURIComponent(`${site.tenant.clientId}#${site.tenant.siteId}`);
    const page = await root.get(`/admin/tenants/${id}`);
    expect(page.html).toContain('Secret messages');
    const form = {
      csrf_token: root.csrfFrom(page.html),
      name: 'Secrets',
      allowed_origins: '',
      reset_url: '',
      verify_url: '',
      email_from: '',
      product_name: '',
      password_min_length: '12',
      max_failures: '5',
      status: 'active',
      mfa: 'optional',
      mfa_sms_per_hour: '50',
      secrets_enabled: 'on',
      secrets_plaintext_send: 'on',
      secrets_ttl_min_minutes: '10',
      secrets_ttl_default_minutes: '60',
      secrets_ttl_max_minutes: '1440',
      secrets_max_kib: '16',
    };
    expect((await root.post(`/admin/tenants/${id}`, form)).res.status).toBe(303);
    const tenant = await getTenantById(`${site.tenant.clientId}#${site.tenant.siteId}`);
    expect(tenant?.settings.secrets).toEqual({
      enabled: true,
      server_open: false,
      plaintext_send: true,
      ttl_min_seconds: 600,
      ttl_default_seconds: 3600,
      ttl_max_seconds: 86_400,
      max_bytes: 16_384,
    });
    const bad = await root.post(`/admin/tenants/${id}`, { ...form, secrets_ttl_default_minutes: '5000' });
    expect(bad.res.status).toBe(422);
    expect(bad.html).toContain('must be between the shortest and longest');
    const tooBig = await root.post(`/admin/tenants/${id}`, { ...form, secrets_max_kib: '65' });
    expect(tooBig.res.status).toBe(422);
    expect(tooBig.html).toContain('at most 64');
    expect((await getTenantById(`${site.tenant.clientId}#${site.tenant.siteId}`))?.settings.secrets).toEqual(
      tenant?.settings.secrets,
    );
  });

  it('issues an API key shown once (stored only hashed) that works at once, and revokes and rotates keys', async () => {
    const site = await createTestTenant();
    const id = encodeURIComponent(`${site.tenant.clientId}#${site.tenant.siteId}`);
    const page = await root.get(`/admin/tenants/${id}`);
    const created = await root.post(`/admin/tenants/${id}/keys`, {
      csrf_token: root.csrfFrom(page.html),
      key_name: 'production',
      scopes: 'auth',
    });
    const key = keyIn(created.html) as string;
    expect(key).toMatch(/^ll_[\w-]{43}$/);
    expect((await root.get(`/admin/tenants/${id}`)).html).not.toContain(key);
    const api = client(app);
    const email = uniqueEmail();
    expect(
      (await api.post('/auth/register', { email, password: 'registered with the new key' }, withKey(key)))
        .status,
    ).toBe(201);

    const listing = await root.get(`/admin/tenants/${id}`);
    const hash = /\/keys\/([0-9a-f]{64})\/rotate/.exec(
      listing.html.split('production')[1] ?? '',
    )?.[1] as string;
    // Rotation is a sensitive action: it needs a step-up first (seed 002).
    await root.stepUp();
    const rotated = await root.post(`/admin/tenants/${id}/keys/${hash}/rotate`, {
      csrf_token: root.csrfFrom(listing.html),
    });
    const newKey = keyIn(rotated.html) as string;
    expect(newKey).not.toBe(key);
    expect(
      (await api.post('/auth/login', { email, password: 'registered with the new key' }, withKey(key)))
        .status,
    ).toBe(401);
    expect(
      (await api.post('/auth/login', { email, password: 'registered with the new key' }, withKey(newKey)))
        .status,
    ).toBe(200);
    const events = (await listAuditEvents(`${site.tenant.clientId}#${site.tenant.siteId}`)).map(
      (e) => e.event,
    );
    expect(events).toEqual(expect.arrayContaining(['admin_api_key_created', 'admin_api_key_rotated']));
  });

  it("shows a site admin only their own site; another site's pages are 404", async () => {
    const mine = await createTestTenant({ name: 'Mine' });
    const theirs = await createTestTenant({ name: 'Theirs' });
    const admin = await registerAndLogin(app, mine.apiKey);
    await setUserRoles(userIdOf(mine.tenant.clientId, mine.tenant.siteId, admin.email), ['tenant_admin']);
    const browser = consoleBrowser(app);
    await browser.signIn(admin.email, admin.password);
    const list = await browser.get('/admin/tenants');
    expect(list.html).toContain('Mine');
    expect(list.html).not.toContain('Theirs');
    expect(list.html).not.toContain('New site');
    const other = await browser.get(
      `/admin/tenants/${encodeURIComponent(`${theirs.tenant.clientId}#${theirs.tenant.siteId}`)}`,
    );
    expect(other.res.status).toBe(404);
    const create = await browser.post('/admin/tenants', {
      csrf_token: browser.csrfFrom(list.html),
      client_id: 'X',
      site_id: 'Y',
      name: 'Z',
      allowed_origins: '',
    });
    expect(create.res.status).toBe(404);
  });

  it('S36: refuses console posts without the CSRF token', async () => {
    const site = await createTestTenant();
    const id = encodeURIComponent(`${site.tenant.clientId}#${site.tenant.siteId}`);
    const res = await root.post(`/admin/tenants/${id}/keys`, {
      csrf_token: 'nope',
      key_name: 'x',
      scopes: 'auth',
    });
    expect(res.res.status).toBe(403);
  });
});
