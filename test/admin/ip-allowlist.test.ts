// IP allowlists (issue 17 §3, S48): CIDR ranges (IPv4, IPv6; a mapped address is its IPv4 one) for the console and
// for a site's API with per-key overrides; the client IP is the Function URL's sourceIp, never X-Forwarded-For unless
// a trusted proxy is configured; saving a console list that shuts you out needs a confirmation, and the break-glass
// CLI empties it; changes need a step-up, are audited, and reach a second instance within its control check. This
// file has its own Tenants table (the control item lives there), so its console list shuts out no other file.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownTables } from '../support/own-tables';

await ownTables({ TENANTS_TABLE: 'TenantsTable' });
const { createApp } = await import('../../src/app');
const { createPlatformAdmin } = await import('../../src/admin/bootstrap');
const { cidrMatcher, parseCidr } = await import('../../src/core/cidr');
const { listAuditEvents } = await import('../../src/core/db/audit-log');
const { readControlState } = await import('../../src/core/db/revocations');
const { setUserRoles, userIdOf } = await import('../../src/core/db/users');
const { behindProxies } = await import('../../src/middleware/request-meta');
const { clientIpConfig } = await import('../../src/middleware/client-ip-config');
const { bearer, client, withKey } = await import('../support/http');
const { consoleBrowser } = await import('../support/console');
const { consoleCodeFor } = await import('../support/console-mfa');
const { startSecondInstance } = await import('../support/second-instance');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin, uniqueEmail } = await import('../support/users');

const app = createApp();
const ROOT = { email: uniqueEmail('allowlist-root'), password: 'allowlist admin passphrase' };
const HOME = '198.51.100.7';
type Site = Awaited<ReturnType<typeof createTestTenant>>;
let site: Site;
let stopSecond: (() => void) | undefined;

beforeAll(async () => {
  site = await createTestTenant();
  await createPlatformAdmin(ROOT);
});
afterAll(() => stopSecond?.());

/** A request as the Function URL delivers it, from `ip`. */
const from = (
  ip: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) =>
  client(app, { sourceIp: ip }).send(
    init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    path,
    init.body,
    init.headers,
  );

/** A site admin using the JSON API with a Bearer token, stepped up. */
async function siteAdmin() {
  const admin = await registerAndLogin(app, site.apiKey);
  await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
  const code = await consoleCodeFor(admin.email);
  const auth = bearer(admin.token);
  expect((await from(HOME, '/admin/api/security/step-up', { body: { code }, headers: auth })).status).toBe(
    200,
  );
  return { ...admin, auth };
}

/** Polls until `ok`, up to 12 s; how long it took. */
async function within(ok: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > 12_000) throw new Error('not within 12 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  return Date.now() - start;
}

// A request made with the key that changes nothing: an empty registration (422 once the key is let through).
const keyUse = (ip: string, key = site.apiKey, headers: Record<string, string> = {}) =>
  from(ip, '/auth/register', { body: {}, headers: { ...withKey(key), ...headers } });
const LET_THROUGH = 422;

describe('CIDR ranges', () => {
  it('reads IPv4 and IPv6 ranges one canonical way and refuses the rest with a reason', () => {
    expect(parseCidr('203.0.113.0/24')).toEqual({ network: '203.0.113.0', prefix: 24, family: 4 });
    expect(parseCidr(' 2001:DB8:0::/32 ')).toEqual({ network: '2001:db8::', prefix: 32, family: 6 });
    expect(parseCidr('192.0.2.1')).toEqual({ network: '192.0.2.1', prefix: 32, family: 4 });
    for (const [bad, reason] of [
      ['10.0.0.1/8', /did you mean 10.0.0.0\/8/],
      ['2001:db8::1/32', /did you mean 2001:db8::\/32/],
      ['1.2.3.4/33', /prefix must be 0 to 32/],
      ['::ffff:192.0.2.1', /IPv4 range it maps/],
      ['fe80::1%eth0', /not an IPv4 or IPv6/],
      ['example.com', /not an IPv4 or IPv6/],
      ['1.2.3.4/24/8', /not an IPv4 or IPv6/],
      ['', /not an IPv4 or IPv6/],
    ] as const) {
      const parsed = parseCidr(bad);
      expect('problem' in parsed && parsed.problem, bad).toMatch(reason);
    }
  });

  it('matches IPv4, IPv6 and IPv4-mapped IPv6 addresses (in any spelling) against the ranges', () => {
    const allows = cidrMatcher(['203.0.113.0/24', '2001:db8::/32']);
    expect(allows('203.0.113.9')).toBe(true);
    expect(allows('::ffff:203.0.113.9')).toBe(true);
    expect(allows('::ffff:cb00:7109')).toBe(true);
    expect(allows('2001:db8:1::5')).toBe(true);
    expect(allows('203.0.114.1')).toBe(false);
    expect(allows('2001:db9::1')).toBe(false);
    expect(allows('unknown')).toBe(false);
  });
});

describe('the client IP (S48)', () => {
  it('is the Function URL sourceIp; X-Forwarded-For counts only behind a configured trusted proxy', () => {
    expect(clientIpConfig.load({}).trustedProxies).toBeUndefined();
    const proxies = clientIpConfig.load({ TRUSTED_PROXY_CIDRS: '10.0.0.0/8, 2001:db8::/32' }).trustedProxies;
    if (!proxies) throw new Error('no proxies');
    // From a trusted proxy: the first address from the right that is not a proxy; spoofed left entries are ignored.
    expect(behindProxies(proxies, '10.1.1.1', '1.1.1.1, 203.0.113.9, 10.2.2.2')).toBe('203.0.113.9');
    expect(behindProxies(proxies, '2001:db8::7', '203.0.113.9')).toBe('203.0.113.9');
    // Not from a proxy: the header is the caller's own claim and means nothing.
    expect(behindProxies(proxies, '198.51.100.7', '203.0.113.9')).toBe('198.51.100.7');
    // A malformed hop stops the walk at the last proxy.
    expect(behindProxies(proxies, '10.1.1.1', '203.0.113.9, not-an-ip')).toBe('10.1.1.1');
    expect(clientIpConfig.problems({ TRUSTED_PROXY_CIDRS: '10.0.0.0/8,nonsense' }).join()).toMatch(
      /TRUSTED_PROXY_CIDRS: "nonsense"/,
    );
  });
});

describe("a site's API allowlist, with per-key overrides", () => {
  it('S48: limits requests made with its keys to its ranges, on this and a second instance within seconds; X-Forwarded-For cannot spoof it; removing restores', {
    timeout: 60_000,
  }, async () => {
    const admin = await siteAdmin();
    const second = await startSecondInstance();
    stopSecond = second.stop;
    const thereStatus = async () =>
      (
        await fetch(`${second.base}/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': site.apiKey },
          body: '{}',
        })
      ).status;
    expect(await thereStatus()).toBe(LET_THROUGH);

    const added = await from(HOME, '/admin/api/security/ip-allowlist', {
      body: { scope: `tenant:${site.tenant.id}`, cidr: '203.0.113.0/24', note: 'site servers' },
      headers: admin.auth,
    });
    expect(added.status).toBe(201);
    expect(added.body.entry).toMatchObject({ cidr: '203.0.113.0/24', note: 'site servers', by: admin.email });

    expect((await keyUse('203.0.113.50')).status).toBe(LET_THROUGH); // inside: the request goes on
    expect((await keyUse('::ffff:203.0.113.50')).status).toBe(LET_THROUGH);
    const outside = await keyUse(HOME);
    expect(outside.status).toBe(403);
    expect(outside.body.code).toBe('ip_not_allowed');
    expect((await keyUse(HOME, site.apiKey, { 'x-forwarded-for': '203.0.113.50' })).status).toBe(403);
    // The second instance (client 127.0.0.1) follows within its control check.
    expect(await within(async () => (await thereStatus()) === 403)).toBeLessThan(10_000);

    // A key with its own list follows that list instead of the site's.
    const override = await from(HOME, '/admin/api/security/ip-allowlist', {
      body: { scope: `key:${site.keyHash}`, cidr: '2001:db8::/32' },
      headers: admin.auth,
    });
    expect(override.status).toBe(201);
    expect(await within(async () => (await keyUse('2001:db8::9')).status === LET_THROUGH)).toBeLessThan(
      10_000,
    );
    expect((await keyUse('203.0.113.50')).status).toBe(403);

    const listed = await from(HOME, '/admin/api/security/ip-allowlist', { headers: admin.auth });
    expect(listed.status).toBe(200);
    expect(listed.body.your_ip).toBe(HOME);
    expect(listed.body.allowlists.map((l: { scope: string }) => l.scope).sort()).toEqual(
      [`key:${site.keyHash}`, `tenant:${site.tenant.id}`].sort(),
    );

    for (const entry of [override.body.entry, added.body.entry]) {
      const removed = await from(HOME, `/admin/api/security/ip-allowlist/${entry.id}`, {
        method: 'DELETE',
        headers: admin.auth,
      });
      expect(removed.status).toBe(200);
    }
    expect((await keyUse(HOME)).status).toBe(LET_THROUGH);
    expect(await within(async () => (await thereStatus()) === LET_THROUGH)).toBeLessThan(10_000);
    const events = (await listAuditEvents(site.tenant.id)).map((e) => e.event);
    expect(events.filter((e) => e === 'admin_ip_allowlist_added')).toHaveLength(2);
    expect(events.filter((e) => e === 'admin_ip_allowlist_removed')).toHaveLength(2);
  });

  it('needs a step-up; bad ranges, notes and scopes are 4xx and change nothing; another site and the console list are not a site admin’s (404)', async () => {
    const admin = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
    await consoleCodeFor(admin.email);
    const post = (body: unknown) =>
      from(HOME, '/admin/api/security/ip-allowlist', { body, headers: bearer(admin.token) });
    const scope = `tenant:${site.tenant.id}`;
    const noStepUp = await post({ scope, cidr: '192.0.2.0/24' });
    expect(noStepUp.status).toBe(403);
    expect(noStepUp.body.code).toBe('step_up_required');
    expect((await post({ scope, cidr: '192.0.2.0/24', code: '000000' })).status).toBe(422);

    const other = await createTestTenant();
    const code = await consoleCodeFor(admin.email);
    const cases: [unknown, number][] = [
      [{ scope, cidr: '192.0.2.1/24', code }, 422],
      [{ scope, cidr: 'localhost', code }, 422],
      [{ scope, cidr: '192.0.2.0/24', note: 'two\nlines', code }, 422],
      [{ scope, cidr: '192.0.2.0/24', note: 'x'.repeat(201), code }, 422],
      [{ scope, cidr: 7, code }, 422],
      [{ scope: 'console', cidr: '192.0.2.0/24', code }, 404],
      [{ scope: `tenant:${other.tenant.id}`, cidr: '192.0.2.0/24', code }, 404],
      [{ scope: `key:${other.keyHash}`, cidr: '192.0.2.0/24', code }, 404],
      [{ scope: 'everything', cidr: '192.0.2.0/24', code }, 404],
    ];
    for (const [body, status] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.text).not.toMatch(/at .*\.ts|stack/i);
    }
    expect((await readControlState()).allowlists).toEqual({});
    expect((await keyUse(HOME)).status).toBe(LET_THROUGH);
  });

  it('50 ranges added at once are all kept (one attribute each: no lost update)', async () => {
    const admin = await siteAdmin();
    const scope = `key:${site.keyHash}` as const;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        from(HOME, '/admin/api/security/ip-allowlist', {
          body: { scope, cidr: `10.${i}.0.0/16` },
          headers: admin.auth,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(201));
    const entries = (await readControlState()).allowlists[scope] ?? [];
    expect(entries).toHaveLength(50);
    expect(await within(async () => (await keyUse('10.49.3.4')).status === LET_THROUGH)).toBeLessThan(10_000);
    expect((await keyUse(HOME)).status).toBe(403);
    for (const e of entries) {
      expect(
        (
          await from(HOME, `/admin/api/security/ip-allowlist/${e.id}`, {
            method: 'DELETE',
            headers: admin.auth,
          })
        ).status,
      ).toBe(200);
    }
  });
});

describe('the console allowlist', () => {
  it('refuses a list that shuts out your own address unless confirmed; then the console answers only inside it; the break-glass CLI clears it', {
    timeout: 60_000,
  }, async () => {
    const browser = consoleBrowser(app, { sourceIp: HOME });
    await browser.signIn(ROOT.email, ROOT.password);
    const page = await browser.get('/admin/security');
    expect(page.html).toContain(`<code>${HOME}</code>`);
    const csrf = browser.csrfFrom(page.html);
    const refused = await browser.post('/admin/security/ip-allowlist', {
      csrf_token: csrf,
      cidr: '203.0.113.0/24',
      note: 'office',
      code: await consoleCodeFor(ROOT.email),
    });
    expect(refused.res.status).toBe(409);
    expect(refused.html).toContain('would shut out your own address');
    expect((await readControlState()).allowlists.console).toBeUndefined();

    // Your own address first: then a second range needs no confirmation.
    expect(
      (
        await browser.post('/admin/security/ip-allowlist', {
          csrf_token: csrf,
          cidr: HOME,
          note: 'me',
          code: await consoleCodeFor(ROOT.email),
        })
      ).res.status,
    ).toBe(303);
    expect(
      (await browser.post('/admin/security/ip-allowlist', { csrf_token: csrf, cidr: '2001:db8::/32' })).res
        .status,
    ).toBe(303);
    const listed = await browser.get('/admin/security');
    expect(listed.html).toContain('2001:db8::/32');
    // Removing your own entry would shut you out: refused without the confirmation.
    const mine = (await readControlState()).allowlists.console?.find((e) => e.cidr === `${HOME}/32`);
    const removeMine = await browser.post(`/admin/security/ip-allowlist/${mine?.id}/remove`, {
      csrf_token: csrf,
    });
    expect(removeMine.res.status).toBe(409);

    const stranger = consoleBrowser(app, { sourceIp: '192.0.2.44' });
    const blocked = await stranger.get('/admin/login');
    expect(blocked.res.status).toBe(403);
    expect(blocked.html).toContain('ip_not_allowed');
    expect((await from('2001:db8::44', '/admin/login')).status).toBe(200);
    expect((await browser.get('/admin')).res.status).toBe(200);

    // Break glass: the CLI, with this file's table, empties the console list; the app follows within seconds.
    const cli = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/admin/allowlist-cli.ts', '--clear', 'console'],
      { cwd: resolve(import.meta.dirname, '../..'), env: process.env },
    );
    expect(cli.stdout).toContain('Cleared 2 entries from the console allowlist.');
    expect(await within(async () => (await stranger.get('/admin/login')).res.status === 200)).toBeLessThan(
      10_000,
    );
  });
});
