// The console's Logs and Errors pages read the functions' own log groups with FilterLogEvents, here in moto as in
// make dev: the app's real log lines are captured, shipped by make dev's shipper, and read back through the pages.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { setUserRoles, userIdOf } from '../../src/core/db/users';
import { logger } from '../../src/core/log';
import { createLogShipper } from '../../src/dev/log-shipper';
import { logsConfig } from '../../src/logs/config';
import { queryLogs } from '../../src/logs/query';
import { consoleBrowser } from '../support/console';
import { client, withKey } from '../support/http';
import { captureOutput } from '../support/logs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const app = createApp();
// An unhandled error, as a bug in a route would throw one: the 500 the Errors page lists.
app.get('/__test/boom', () => {
  throw new Error('kaboom for the errors page');
});
const api = client(app);
const PASSWORD = 'logs page admin passphrase';
const started = Date.now();
const marker = `mark-${randomUUID().slice(0, 8)}`;
let a: TestTenant;
let b: TestTenant;
let root: ReturnType<typeof consoleBrowser>;
let siteAdmin: ReturnType<typeof consoleBrowser>;
let loginRequestId = '';
let boomRequestId = '';
const secrets: string[] = [];

const groupOf = (fn: string) => logsConfig().groups.get(fn) as string;

/** Ships captured output as the function's own log lines, as make dev does with each function's stdout. */
async function ship(fn: string, output: string) {
  const shipper = createLogShipper(groupOf(fn));
  shipper.write(output);
  await shipper.stop();
}

beforeAll(async () => {
  a = await createTestTenant({ name: 'Logs Site A' });
  b = await createTestTenant({ name: 'Logs Site B' });
  const http = await captureOutput(async () => {
    const user = await registerAndLogin(app, a.apiKey);
    secrets.push(user.password, user.token, user.refreshToken, a.apiKey, b.apiKey);
    const login = await api.post(
      '/auth/login',
      { email: user.email, password: user.password },
      withKey(a.apiKey),
    );
    secrets.push(login.body.token, login.body.refresh_token);
    loginRequestId = login.headers.get('x-request-id') as string;
    await registerAndLogin(app, b.apiKey);
    await api.get('/health');
    const boom = await api.get('/__test/boom');
    expect(boom.status).toBe(500);
    // S34: the 500 carries the request id and nothing of what went wrong.
    expect(boom.body).toEqual({
      detail: 'Internal server error',
      code: 'internal_error',
      request_id: expect.any(String),
    });
    boomRequestId = boom.body.request_id;
    logger.warn(`${marker} warning of site A`, { tenant: a.tenant.id });
    logger.error(`${marker} error of site B`, { tenant: b.tenant.id });
  });
  await ship('HttpFunction', http);
  // 120 lines of one worker, for paging.
  await ship(
    'ScraperFunction',
    await captureOutput(async () => {
      for (let i = 0; i < 120; i++) logger.info(`${marker} scheduler line ${i}`, { tenant: a.tenant.id });
    }),
  );

  const admin = `logs-root-${randomUUID().slice(0, 8)}@example.com`;
  await createPlatformAdmin({ email: admin, password: PASSWORD });
  root = consoleBrowser(app);
  await root.signIn(admin, PASSWORD);
  const user = await registerAndLogin(app, a.apiKey);
  await setUserRoles(userIdOf(a.tenant.clientId, a.tenant.siteId, user.email), ['tenant_admin']);
  siteAdmin = consoleBrowser(app);
  await siteAdmin.signIn(user.email, user.password);
});

const window = () => ({ from: started - 1000, to: Date.now() + 1000 });

describe('logs: FilterLogEvents over the functions’ own groups (moto)', () => {
  it('filters by function, level, tenant, request id, text and time range', async () => {
    const byTenant = await queryLogs({ functions: ['HttpFunction'], tenant: a.tenant.id, ...window() });
    expect(byTenant.lines.length).toBeGreaterThan(3);
    expect(byTenant.lines.every((l) => l.tenant === a.tenant.id && l.function === 'HttpFunction')).toBe(true);
    expect(byTenant.lines.some((l) => l.message === 'request' && l.fields?.path === '/auth/login')).toBe(
      true,
    );

    const warnings = await queryLogs({ functions: [], level: 'WARN', text: marker, ...window() });
    expect(warnings.lines.map((l) => l.message).sort()).toEqual([
      `${marker} error of site B`,
      `${marker} warning of site A`,
    ]);

    const oneRequest = await queryLogs({ functions: [], requestId: loginRequestId, ...window() });
    expect(oneRequest.lines.length).toBeGreaterThanOrEqual(2);
    expect(new Set(oneRequest.lines.map((l) => l.requestId))).toEqual(new Set([loginRequestId]));
    // The access line and the audit line of that request, both naming its site; the access line its feature.
    expect(oneRequest.lines.map((l) => l.message)).toEqual(expect.arrayContaining(['audit', 'request']));
    expect(oneRequest.lines.every((l) => l.tenant === a.tenant.id)).toBe(true);
    expect(oneRequest.lines.find((l) => l.message === 'request')?.feature).toBe('auth');

    const text = await queryLogs({ functions: ['HttpFunction'], text: `${marker} warning`, ...window() });
    expect(text.lines.map((l) => l.message)).toEqual([`${marker} warning of site A`]);
    const before = await queryLogs({
      functions: [],
      text: marker,
      from: started - 3_600_000,
      to: started - 1000,
    });
    expect(before.lines).toEqual([]);
  });

  it('pages through a function’s lines, 50 at a time, without losing or repeating one', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await queryLogs({ functions: ['ScraperFunction'], text: marker, ...window(), cursor });
      sizes.push(page.lines.length);
      seen.push(...page.lines.map((l) => l.message));
      cursor = page.next;
    } while (cursor && sizes.length < 10);
    expect(sizes.filter((n) => n > 0)).toEqual([50, 50, 20]);
    expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => `${marker} scheduler line ${i}`));
  });

  it('50 searches at once all answer in full (each instance keeps at most three calls in flight)', async () => {
    const pages = await Promise.all(
      Array.from({ length: 50 }, () =>
        queryLogs({ functions: [], level: 'WARN', text: marker, ...window() }),
      ),
    );
    expect(new Set(pages.map((p) => p.lines.length))).toEqual(new Set([2]));
  });

  it('S43: what reached the logs holds no password, token or API key', async () => {
    const all = await queryLogs({ functions: ['HttpFunction'], ...window(), limit: 1000 });
    const text = all.lines.map((l) => l.raw).join('\n');
    expect(text).toContain(a.tenant.id);
    for (const secret of secrets.filter(Boolean)) expect(text).not.toContain(secret);
  });
});

describe('console: Logs page', () => {
  it('shows a platform admin any site’s lines, with request ids linking to that request’s lines', async () => {
    const { res, html } = await root.get(
      `/admin/logs?range=15m&q=${encodeURIComponent(marker)}&function=HttpFunction`,
    );
    expect(res.status).toBe(200);
    expect(html).toContain(`${marker} warning of site A`);
    expect(html).toContain(`${marker} error of site B`);
    const one = await root.get(`/admin/logs?request_id=${loginRequestId}&range=15m`);
    expect(one.html).toContain(`href="/admin/logs?request_id=${loginRequestId}&amp;at=`);
    expect(one.html).toMatch(/<td>HttpFunction<\/td><td>INFO<\/td><td>request<\/td>/);
  });

  it('a tenant admin sees only their own site’s lines, whatever the link asks for', async () => {
    const own = await siteAdmin.get(
      `/admin/logs?range=15m&q=${encodeURIComponent(marker)}&function=HttpFunction`,
    );
    expect(own.res.status).toBe(200);
    expect(own.html).toContain(`${marker} warning of site A`);
    expect(own.html).not.toContain(`${marker} error of site B`);
    const other = await siteAdmin.get(`/admin/logs?range=15m&tenant=${encodeURIComponent(b.tenant.id)}`);
    expect(other.html).not.toContain(b.tenant.id);
    // Lines of no site (health checks, the platform's own) are not theirs either.
    const health = await siteAdmin.get('/admin/logs?range=15m&q=%2Fhealth');
    expect(health.html).toContain('No log lines match');
    expect(own.html).not.toMatch(/<select id="tenant"/);
  });

  it('pages with a link that keeps the filters', async () => {
    const first = await root.get(
      `/admin/logs?range=15m&function=ScraperFunction&q=${encodeURIComponent(marker)}`,
    );
    const next = /href="\/admin\/logs\?([^"]+)">Next page/.exec(first.html)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toContain('cursor=');
    expect(next).toContain(`q=${encodeURIComponent(marker)}`);
    const second = await root.get(`/admin/logs?${next}`);
    expect(second.html).toContain(`${marker} scheduler line 50<`);
    expect(second.html).not.toContain(`${marker} scheduler line 49<`);
  });

  it('bad filters re-render the form with a message (400) and query nothing', async () => {
    for (const [query, message] of [
      ['range=custom', 'A custom range needs a start and an end'],
      ['range=custom&from=2026-01-01T00:00&to=2026-02-01T00:00', 'at most 7 days'],
      ['range=forever', 'Choose a time range'],
      ['function=NoSuchFunction', 'Choose a function'],
      ['level=LOUD', 'Choose a level'],
      ['request_id=%22%3E%3Cscript%3E', 'A request id is'],
      ['q=%22quoted%22', 'without quotes'],
      ['cursor=not-a-cursor', 'page link is not valid'],
      ['cursor=eyJOb3BlIjoieCJ9', 'page link is not valid'],
    ] as const) {
      const { res, html } = await root.get(`/admin/logs?${query}`);
      expect(res.status, query).toBe(400);
      expect(html, query).toContain(message);
      expect(html).not.toContain('<script>');
    }
  });
});

describe('console: Errors page', () => {
  it('lists recent 5xx and unhandled errors from the logs when no error tracker is set, linked to their lines', async () => {
    const { res, html } = await root.get('/admin/errors?range=1h');
    expect(res.status).toBe(200);
    expect(html).toContain('No error tracker is set up');
    expect(html).toContain(`href="/admin/logs?request_id=${boomRequestId}&amp;at=`);
    expect(html).toContain('kaboom for the errors page');
    expect(html).toMatch(/500 GET \/__test\/boom/);
    // A tenant admin's list holds only their site's errors: this one was nobody's.
    expect((await siteAdmin.get('/admin/errors?range=1h')).html).not.toContain(boomRequestId);
  });
});
