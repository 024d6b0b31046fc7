// The /scrape/jobs API: a site's servers (key with the scrape scope) and its admins (Bearer) manage jobs; bad
// definitions get 422s that say what is wrong; another site's job does not exist (S28).
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { setUserRoles, userIdOf } from '../../src/core/db/users';
import { bearer, client, withKey } from '../support/http';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';
import { scrapeSite } from './support';

const app = createApp();
const api = client(app);
let site: TestTenant;

beforeAll(async () => {
  site = await scrapeSite();
});

const valid = {
  name: 'Prices',
  urls: ['https://shop.example.com/widget'],
  schedule: { expression: 'cron(0 9 ? * MON-FRI *)', timezone: 'Europe/Zurich' },
  fields: [{ name: 'price', selector: 'span.price', type: 'price' }],
};

describe('/scrape/jobs', () => {
  it('creates, lists, reads, replaces and deletes a job; the next run follows the schedule in its time zone', async () => {
    const created = await api.post('/scrape/jobs', valid, withKey(site.apiKey));
    expect(created.status).toBe(201);
    const { job } = created.body;
    expect(job).toMatchObject({
      name: 'Prices',
      enabled: true,
      retention_days: 30,
      notify: { emails: [], webhook_url: null },
      last_status: null,
    });
    // 09:00 in Zurich is 07:00 or 08:00 UTC.
    expect(new Date(job.next_run).getUTCHours()).toBeGreaterThanOrEqual(7);
    expect(
      (await api.get('/scrape/jobs', withKey(site.apiKey))).body.jobs.map((j: { id: string }) => j.id),
    ).toContain(job.id);
    const replaced = await api.send(
      'PUT',
      `/scrape/jobs/${job.id}`,
      { ...valid, name: 'Renamed', enabled: false },
      withKey(site.apiKey),
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body.job).toMatchObject({ name: 'Renamed', enabled: false, next_run: null });
    expect((await api.delete(`/scrape/jobs/${job.id}`, withKey(site.apiKey))).status).toBe(204);
    expect((await api.get(`/scrape/jobs/${job.id}`, withKey(site.apiKey))).status).toBe(404);
  });

  it('refuses bad definitions with 422s naming the field', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ urls: ['ftp://shop.example.com/'] }, 'urls.0', /only http and https/],
      [{ urls: ['http://shop.example.com:8080/'] }, 'urls.0', /ports 80 and 443/],
      [{ urls: [] }, 'urls', /.+/],
      [{ schedule: { expression: 'cron(61 * * * ? *)' } }, 'schedule.expression', /.+/],
      [
        { schedule: { expression: 'every day' } },
        'schedule.expression',
        /rate\(\.\.\.\), cron\(\.\.\.\) or at\(\.\.\.\)/,
      ],
      [
        { schedule: { expression: 'rate(5 minutes)', timezone: 'Mars/Olympus' } },
        'schedule.expression',
        /time zone/,
      ],
      [
        { fields: [{ name: 'price', selector: 'div[[', type: 'text' }] },
        'fields.0.selector',
        /not a valid CSS selector/,
      ],
      [{ fields: [{ name: 'Price!', selector: 'p', type: 'text' }] }, 'fields.0.name', /letters, digits/],
      [
        { fields: [{ name: 'p', selector: 'p', type: 'weight' }] },
        'fields.0.type',
        /one of text, number, price, url, list/,
      ],
      [
        {
          fields: [
            { name: 'p', selector: 'p', type: 'text' },
            { name: 'p', selector: 'a', type: 'url' },
          ],
        },
        'fields',
        /unique/,
      ],
      [{ ignore: [{ regex: '(unclosed' }] }, 'ignore.0', /.+/],
      [{ notify: { emails: ['not-an-email'] } }, 'notify.emails.0', /.+/],
      [{ notify: { emails: [], webhook_url: 'javascript:alert(1)' } }, 'notify.webhook_url', /.+/],
      [{ retention_days: 0 }, 'retention_days', /.+/],
      [{ surprise: true }, 'body', /.+/],
    ];
    for (const [change, field, message] of cases) {
      const res = await api.post('/scrape/jobs', { ...valid, ...change }, withKey(site.apiKey));
      expect(res.status, JSON.stringify(change)).toBe(422);
      const error = res.body.errors.find(
        (e: { field: string }) => e.field === field || e.field.startsWith(field),
      );
      expect(error, `${JSON.stringify(change)} -> ${JSON.stringify(res.body.errors)}`).toBeDefined();
      expect(error.message).toMatch(message);
    }
    expect(
      (await api.get('/scrape/jobs', withKey(site.apiKey))).body.jobs.filter(
        (j: { name: string }) => j.name !== 'Prices',
      ),
    ).toEqual([]);
  });

  it("S28: another site's key or admin sees no job of this site; a key without the scope gets 403", async () => {
    const { job } = (await api.post('/scrape/jobs', valid, withKey(site.apiKey))).body;
    const other = await scrapeSite();
    for (const [method, path] of [
      ['GET', `/scrape/jobs/${job.id}`],
      ['PUT', `/scrape/jobs/${job.id}`],
      ['DELETE', `/scrape/jobs/${job.id}`],
      ['POST', `/scrape/jobs/${job.id}/run`],
      ['GET', `/scrape/jobs/${job.id}/runs`],
      ['POST', `/scrape/jobs/${job.id}/webhook-secret`],
    ] as const) {
      const res = await api.send(method, path, method === 'PUT' ? valid : undefined, withKey(other.apiKey));
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await api.get('/scrape/jobs', withKey(other.apiKey))).body.jobs).toEqual([]);
    const authOnly = await createTestTenant();
    expect((await api.get('/scrape/jobs', withKey(authOnly.apiKey))).status).toBe(403);
  });

  it("a site admin's token manages the site's jobs; a plain user's token finds nothing", async () => {
    const authSite = await createTestTenant({}, ['auth', 'scrape']);
    const admin = await registerAndLogin(app, authSite.apiKey);
    await setUserRoles(userIdOf(authSite.tenant.clientId, authSite.tenant.siteId, admin.email), [
      'tenant_admin',
    ]);
    const made = await api.post('/scrape/jobs', valid, bearer(admin.token));
    expect(made.status).toBe(201);
    expect((await api.get('/scrape/jobs', bearer(admin.token))).body.jobs).toHaveLength(1);
    const user = await registerAndLogin(app, authSite.apiKey);
    expect((await api.get('/scrape/jobs', bearer(user.token))).status).toBe(404);
  });
});
