// Rate-limit classes (issue 17 §4): named budgets (admin, auth, public, send), each a steady rate a minute with a
// burst, per site and client address, counted by one conditional UpdateItem on a meter that 50 parallel calls
// serialise on without overcounting; answers carry RateLimit-Limit/-Remaining/-Reset, refusals are 429 with
// Retry-After and spend nothing. This file sets the deployment budgets itself (the other files run with huge ones).
process.env.RATE_LIMIT_ADMIN_RPM = '100';
process.env.RATE_LIMIT_ADMIN_BURST = '20';
process.env.RATE_LIMIT_PUBLIC_RPM = '60';
process.env.RATE_LIMIT_PUBLIC_BURST = '3';

import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { useClock } from '../src/core/clock';
import { rateClassConfig, rateOf } from '../src/core/rate-classes';
import { client, withKey } from './support/http';
import { createTestTenant } from './support/tenants';

const app = createApp();
let restoreClock: (() => void) | undefined;
afterEach(() => {
  restoreClock?.();
  restoreClock = undefined;
});

let addresses = 0;
/** A fresh address per test, so budgets never carry over between tests. */
const newAddress = () => `203.0.113.${++addresses}`;

async function from(
  ip: string,
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
) {
  const res = await client(app, { sourceIp: ip }).send(
    init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    path,
    init.body,
    init.headers,
  );
  const header = (name: string) => res.headers.get(name);
  return {
    status: res.status,
    code: (res.body as { code?: string } | undefined)?.code,
    limit: header('ratelimit-limit'),
    remaining: header('ratelimit-remaining') === null ? undefined : Number(header('ratelimit-remaining')),
    reset: Number(header('ratelimit-reset')),
    retryAfter: header('retry-after'),
    policy: header('ratelimit-policy'),
  };
}

// An empty registration: counted in the `auth` class, then refused as 422 without any other work.
const register = (ip: string, apiKey: string) =>
  from(ip, '/auth/register', { body: '{}', headers: withKey(apiKey) });

describe('rate-limit classes', () => {
  it("defaults: admin 100 a minute with a burst of 20 (seed 002); a site's own setting wins over the deployment's", async () => {
    expect(rateClassConfig.load({}).admin).toEqual({ perMinute: 100, burst: 20 });
    expect(Object.keys(rateClassConfig.load({})).sort()).toEqual(['admin', 'auth', 'public', 'send']);
    const site = await createTestTenant({
      settings: { rate_limits: { auth: { per_minute: 30, burst: 4 } } },
    });
    expect(rateOf('auth', site.tenant)).toEqual({ perMinute: 30, burst: 4 });
    // A malformed stored value falls back to the deployment's.
    const odd = await createTestTenant({ settings: { rate_limits: { auth: { per_minute: -3 } } } });
    expect(rateOf('auth', odd.tenant).perMinute).toBe(rateClassConfig().auth.perMinute);
    expect(rateClassConfig.problems({ RATE_LIMIT_AUTH_RPM: '0' }).join()).toMatch(/RATE_LIMIT_AUTH_RPM/);
  });

  it('auth: 50 parallel calls from one address get exactly the burst through, the rest 429 with Retry-After; each answer has the headers; nothing overcounts', async () => {
    const site = await createTestTenant({
      settings: { rate_limits: { auth: { per_minute: 60, burst: 10 } } },
    });
    const ip = newAddress();
    const answers = await Promise.all(Array.from({ length: 50 }, () => register(ip, site.apiKey)));
    const through = answers.filter((a) => a.status === 422);
    const refused = answers.filter((a) => a.status === 429);
    expect(through).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const a of answers) {
      expect(a.limit).toBe('60');
      expect(a.policy).toBe('60;w=60;burst=10');
      expect(a.reset).toBeGreaterThanOrEqual(0);
    }
    // Serialised on one meter: each passing call saw its own state, 9 down to 0 left.
    expect(through.map((a) => a.remaining).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    for (const r of refused) {
      expect(r.code).toBe('rate_limited');
      expect(r.remaining).toBe(0);
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // Another address, and another site, have budgets of their own.
    expect((await register(newAddress(), site.apiKey)).status).toBe(422);
    const other = await createTestTenant();
    expect((await register(ip, other.apiKey)).status).toBe(422);
  });

  it('refills at the steady rate: one more a second at 60 a minute, none spent by refusals', async () => {
    const site = await createTestTenant({
      settings: { rate_limits: { auth: { per_minute: 60, burst: 2 } } },
    });
    const ip = newAddress();
    const start = Date.now();
    restoreClock = useClock({ now: () => start });
    expect((await register(ip, site.apiKey)).remaining).toBe(1);
    expect((await register(ip, site.apiKey)).remaining).toBe(0);
    for (let i = 0; i < 5; i++) expect((await register(ip, site.apiKey)).status).toBe(429);
    restoreClock = useClock({ now: () => start + 1_000 });
    const refilled = await register(ip, site.apiKey);
    expect(refilled.status).toBe(422);
    expect(refilled.remaining).toBe(0);
    expect((await register(ip, site.apiKey)).status).toBe(429);
    // Idle long enough, the whole burst is back.
    restoreClock = useClock({ now: () => start + 60_000 });
    expect((await register(ip, site.apiKey)).remaining).toBe(1);
  });

  it('send is a budget of its own: a key for email keeps sending while the same address has spent its auth budget', async () => {
    const site = await createTestTenant(
      {
        settings: { rate_limits: { auth: { per_minute: 60, burst: 1 }, send: { per_minute: 60, burst: 3 } } },
      },
      ['auth', 'email:send'],
    );
    const ip = newAddress();
    expect((await register(ip, site.apiKey)).status).toBe(422);
    expect((await register(ip, site.apiKey)).status).toBe(429);
    const sends = await Promise.all(
      Array.from({ length: 5 }, () => from(ip, '/email/send', { body: '{}', headers: withKey(site.apiKey) })),
    );
    expect(sends.map((s) => s.status).sort()).toEqual([422, 422, 422, 429, 429]);
    expect(sends[0]?.policy).toBe('60;w=60;burst=3');
  });

  it('admin: the console and its API, per address, at the deployment budget (100/20)', async () => {
    const ip = newAddress();
    const answers = await Promise.all(Array.from({ length: 30 }, () => from(ip, '/admin/login')));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(20);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(10);
    expect(answers[0]?.limit).toBe('100');
    expect((await from(newAddress(), '/admin/login')).status).toBe(200);
  });

  it('public: hosted pages, per address, with the deployment budget', async () => {
    const ip = newAddress();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await from(ip, '/reset?token=nonsense')).status);
    expect(statuses).toEqual([400, 400, 400, 429, 429]);
    expect((await from(newAddress(), '/login?site=x')).status).not.toBe(429);
  });
});
