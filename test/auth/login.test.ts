import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { useClock } from '../../src/core/clock';
import { createUser, getUser, newUser, setUserStatus, userIdOf } from '../../src/core/db/users';
import { hashPassword, parseHash } from '../../src/core/passwords';
import { createHttpHandler } from '../../src/lambda/http-handler';
import { client, withKey } from '../support/http';
import { functionUrlEvent } from '../support/lambda';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;
let restoreClock: (() => void) | undefined;

beforeAll(async () => {
  site = await createTestTenant();
});
afterEach(() => {
  restoreClock?.();
  restoreClock = undefined;
});

const login = (email: string, password: string, key = site.apiKey, headers: Record<string, string> = {}) =>
  api.post('/auth/login', { email, password }, { ...withKey(key), ...headers });

/** Moves our clock forward (the limiter and tokens read it), from now. */
function advanceClock(seconds: number) {
  const at = Date.now() + seconds * 1000;
  restoreClock?.();
  restoreClock = useClock({ now: () => at });
}

describe('POST /auth/login', () => {
  it("answers the seed's {token, user} plus refresh_token and expires_in, with a typed access JWT", async () => {
    const { email, login: res } = await registerAndLogin(app, site.apiKey);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual([
      'expires_in',
      'refresh_token',
      'token',
      'token_type',
      'user',
    ]);
    expect(res.body.user).toEqual({
      user_id: `${site.tenant.clientId}#${site.tenant.siteId}#${email}`,
      email,
      name: 'Test User',
    });
    expect(res.body.expires_in).toBe(900);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(res.body.token);
    expect(decodeProtectedHeader(res.body.token)).toMatchObject({ alg: 'HS256', typ: 'at+jwt' });
    expect(claims).toMatchObject({
      sub: res.body.user.user_id,
      aud: `${site.tenant.clientId}#${site.tenant.siteId}`,
      email,
    });
    expect(typeof claims.sid).toBe('string');
    expect(res.body.refresh_token).toMatch(new RegExp(`^${claims.sid}\\.`));
  });

  it('S6: unknown user, wrong password and disabled account get the same status, body and headers', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    const disabled = await registerAndLogin(app, site.apiKey);
    await setUserStatus(userIdOf(site.tenant.clientId, site.tenant.siteId, disabled.email), 'disabled');
    const answers = await Promise.all([
      login(uniqueEmail('nobody'), GOOD_PASSWORD),
      login(email, 'wrong password entirely'),
      login(disabled.email, GOOD_PASSWORD),
    ]);
    const shape = (r: (typeof answers)[number]) => ({
      status: r.status,
      body: r.text,
      // The request id, and the rate-limit meter's count of this client's requests, differ per request, not per account.
      headers: [...r.headers.entries()].filter(
        ([k]) => k !== 'x-request-id' && k !== 'ratelimit-remaining' && k !== 'ratelimit-reset',
      ),
    });
    expect(shape(answers[1] as never)).toEqual(shape(answers[0] as never));
    expect(shape(answers[2] as never)).toEqual(shape(answers[0] as never));
    expect(answers[0]?.status).toBe(401);
    expect(answers[0]?.body).toEqual({ detail: 'Invalid email or password', code: 'invalid_credentials' });
  });

  it('S4: re-hashes a password stored with weaker scrypt parameters at the next login', async () => {
    const email = uniqueEmail();
    const userId = userIdOf(site.tenant.clientId, site.tenant.siteId, email);
    await createUser(
      newUser(site.tenant, {
        email,
        passwordHash: await hashPassword(GOOD_PASSWORD, { logN: 10, r: 4, p: 1 }),
      }),
    );
    expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
    const stored = parseHash((await getUser(userId))?.passwordHash as string);
    expect(stored?.params).toEqual({ logN: 10, r: 8, p: 1 });
    expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
  });

  it('S7: delays progressively, then locks with 429 + Retry-After, refusing even the right password', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    expect((await login(email, 'wrong-1')).status).toBe(401);
    expect((await login(email, 'wrong-2')).status).toBe(401);
    expect((await login(email, 'wrong-3')).status).toBe(401);
    // Third failure: the next try must wait.
    const early = await login(email, GOOD_PASSWORD);
    expect(early.status).toBe(429);
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    advanceClock(3);
    expect((await login(email, 'wrong-4')).status).toBe(401);
    advanceClock(8);
    expect((await login(email, 'wrong-5')).status).toBe(401);
    advanceClock(70);
    const locked = await login(email, GOOD_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({
      detail: 'Too many failed sign-in attempts; try again later',
      code: 'too_many_attempts',
    });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(600);
    advanceClock(16 * 60);
    expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
  });

  it('S7: a success resets the failure count', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    for (let round = 0; round < 3; round++) {
      expect((await login(email, 'nope-a')).status).toBe(401);
      expect((await login(email, 'nope-b')).status).toBe(401);
      expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
    }
  });

  it('S7: locks unknown emails exactly like known ones, so a lock reveals nothing', async () => {
    const ghost = uniqueEmail('ghost');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(ghost, `guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it('S7: a hard cap (default 20, here 6) of failures in a row locks across windows for a day', async () => {
    const tight = await createTestTenant({
      settings: { lockout: { max_failures: 5, hard_cap: 6, window_seconds: 60 } },
    });
    const { email } = await registerAndLogin(app, tight.apiKey);
    let t = 0;
    const attempt = async (password: string) => {
      t += 61;
      advanceClock(t);
      return (await login(email, password, tight.apiKey)).status;
    };
    for (let i = 0; i < 6; i++) expect(await attempt(`wrong-${i}`)).toBe(401);
    const capped = await attempt(GOOD_PASSWORD);
    expect(capped).toBe(429);
    t += 3600;
    expect(await attempt(GOOD_PASSWORD)).toBe(429);
  });

  it('S8: 50 parallel wrong passwords spend at most the budget; the rest are refused before hashing', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => login(email, `parallel-wrong-${i}`)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 500 || s === 503)).toEqual([]);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(45);
  });

  it('S9: limits per source IP from the Lambda request context, not X-Forwarded-For', async () => {
    const tenant = await createTestTenant({ settings: { lockout: { ip_max_attempts: 10 } } });
    const handler = createHttpHandler(app);
    const fromIp = async (ip: string, forwardedFor: string) => {
      const event = functionUrlEvent('POST', '/auth/login', {
        headers: {
          'content-type': 'application/json',
          'x-api-key': tenant.apiKey,
          'x-forwarded-for': forwardedFor,
        },
        body: JSON.stringify({ email: uniqueEmail(), password: 'whatever-guess' }),
      });
      event.requestContext.http.sourceIp = ip;
      return ((await handler(event as never)) as { statusCode: number }).statusCode;
    };
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push(await fromIp('198.51.100.20', `10.0.0.${i}`));
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(await fromIp('198.51.100.21', '198.51.100.20')).toBe(401);
  });

  it('S28/S30: the same email in two tenants is two accounts; neither key opens the other', async () => {
    const other = await createTestTenant();
    const email = uniqueEmail('twin');
    await registerAndLogin(app, site.apiKey, email, 'first site passphrase');
    await registerAndLogin(app, other.apiKey, email, 'second site passphrase');
    expect((await login(email, 'first site passphrase', other.apiKey)).status).toBe(401);
    expect((await login(email, 'second site passphrase', site.apiKey)).status).toBe(401);
    expect((await login(email, 'first site passphrase', site.apiKey)).status).toBe(200);
  });

  it('S30: a lockout in one tenant does not touch the same email in another', async () => {
    const other = await createTestTenant();
    const email = uniqueEmail('shared');
    await registerAndLogin(app, site.apiKey, email);
    await registerAndLogin(app, other.apiKey, email);
    for (let i = 0; i < 3; i++) await login(email, `wrong-${i}`);
    expect((await login(email, GOOD_PASSWORD)).status).toBe(429);
    expect((await login(email, GOOD_PASSWORD, other.apiKey)).status).toBe(200);
  });

  it('S34: refuses with 503 when the lockout counters cannot be read (fail closed)', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    const { tables } = await import('../../src/core/config');
    const config = tables();
    const table = config.loginAttempts;
    config.loginAttempts = 'NoSuchTable';
    try {
      const res = await login(email, GOOD_PASSWORD);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('service_unavailable');
    } finally {
      config.loginAttempts = table;
    }
  });
});
