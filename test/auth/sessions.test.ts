import { decodeJwt } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { useClock } from '../../src/core/clock';
import { getSession } from '../../src/core/db/sessions';
import { getUser } from '../../src/core/db/users';
import { dynamodbSdk } from '../../src/dev/aws';
import { bearer, client, withKey } from '../support/http';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;
let restoreClock: (() => void) | undefined;

beforeAll(async () => {
  site = await createTestTenant({ settings: { sessions: { idle_seconds: 3_600, absolute_seconds: 7_200 } } });
});
afterEach(() => {
  restoreClock?.();
  restoreClock = undefined;
});

const at = (secondsFromNow: number) => {
  const t = Date.now() + secondsFromNow * 1000;
  restoreClock?.();
  restoreClock = useClock({ now: () => t });
};
const me = (token: string) => api.get('/user/me', bearer(token));
const refreshWith = (refresh_token: string) => api.post('/auth/token/refresh', { refresh_token });

describe('sessions, refresh and logout', () => {
  it("GET /user/me answers the seed's body (plus name and email_verified)", async () => {
    const { email, token } = await registerAndLogin(app, site.apiKey);
    const res = await me(token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: {
        user_id: `${site.tenant.clientId}#${site.tenant.siteId}#${email}`,
        email,
        client_id: site.tenant.clientId,
        site_id: site.tenant.siteId,
        name: 'Test User',
        email_verified: false,
      },
    });
    expect((await api.get('/user/me')).status).toBe(401);
    expect((await api.get('/user/me', { authorization: 'Basic abc' })).status).toBe(401);
  });

  it('seed refresh: a live access token as Bearer buys a new one for the same session', async () => {
    const { token } = await registerAndLogin(app, site.apiKey);
    const res = await api.post('/auth/token/refresh', undefined, bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token: expect.any(String), expires_in: 900, token_type: 'Bearer' });
    expect(res.body.refresh_token).toBeUndefined();
    expect(decodeJwt(res.body.token).sid).toBe(decodeJwt(token).sid);
    expect((await me(res.body.token)).status).toBe(200);
  });

  it('S13: a refresh token rotates; the new one works and the access token it returns is valid', async () => {
    const { refreshToken } = await registerAndLogin(app, site.apiKey);
    const first = await refreshWith(refreshToken);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(refreshToken);
    const second = await refreshWith(first.body.refresh_token);
    expect(second.status).toBe(200);
    expect((await me(second.body.token)).status).toBe(200);
  });

  it('S13: replaying a spent refresh token ends the whole session', async () => {
    const { refreshToken, token } = await registerAndLogin(app, site.apiKey);
    const rotated = await refreshWith(refreshToken);
    expect(rotated.status).toBe(200);
    const replay = await refreshWith(refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_refresh_token');
    // The thief's and the owner's tokens are all dead now.
    expect((await refreshWith(rotated.body.refresh_token)).status).toBe(401);
    expect((await me(rotated.body.token)).status).toBe(401);
    expect((await me(token)).status).toBe(401);
    const session = await getSession(decodeJwt(token).sid as string);
    expect(session).toMatchObject({ status: 'revoked', revokedReason: 'refresh_reuse' });
  });

  it('S13: of 50 concurrent refreshes with one token exactly one succeeds, and the race ends the session', async () => {
    const { refreshToken, token } = await registerAndLogin(app, site.apiKey);
    const results = await Promise.all(Array.from({ length: 50 }, () => refreshWith(refreshToken)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 401)).toBe(true);
    // Every loser is a replay of a spent token: the session is over for everyone (strict reuse detection).
    expect((await me(token)).status).toBe(401);
  });

  it('S13: rotation never extends the absolute lifetime; idleness ends a session too', async () => {
    const { refreshToken } = await registerAndLogin(app, site.apiKey);
    at(3_000);
    const r1 = await refreshWith(refreshToken);
    expect(r1.status).toBe(200);
    at(6_000);
    const r2 = await refreshWith(r1.body.refresh_token);
    expect(r2.status).toBe(200);
    at(7_300);
    expect((await refreshWith(r2.body.refresh_token)).status).toBe(401);

    restoreClock?.();
    restoreClock = undefined;
    const idle = await registerAndLogin(app, site.apiKey);
    at(3_700);
    expect((await refreshWith(idle.refreshToken)).status).toBe(401);
  });

  it('S12: a refresh token is not an access token and vice versa', async () => {
    const { token, refreshToken } = await registerAndLogin(app, site.apiKey);
    expect((await me(refreshToken)).status).toBe(401);
    expect((await refreshWith(token)).status).toBe(401);
    expect((await refreshWith('null')).status).toBe(401);
    expect((await refreshWith(`${refreshToken.split('.')[0]}.${'A'.repeat(43)}`)).status).toBe(401);
  });

  it('S15: after logout the same access token is refused, its jti blacklisted until it expires', async () => {
    const { token } = await registerAndLogin(app, site.apiKey);
    const res = await api.post('/auth/logout', undefined, bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Logged out successfully' });
    expect((await me(token)).status).toBe(401);
    expect((await api.post('/auth/token/refresh', undefined, bearer(token))).status).toBe(401);
    expect((await api.post('/auth/logout', undefined, bearer(token))).status).toBe(401);
    const { jti, exp } = decodeJwt(token);
    const sdk = dynamodbSdk();
    const ddb = new sdk.DynamoDBClient({});
    const { Item } = await ddb.send(
      new sdk.GetItemCommand({
        TableName: process.env.BLACKLIST_TABLE,
        Key: { token_jti: { S: jti as string } },
      }),
    );
    ddb.destroy();
    expect(Number(Item?.ttl?.N)).toBe(exp);
  });

  it('lists live sessions with the current one marked, and revokes one by id', async () => {
    const { email, password, token: first } = await registerAndLogin(app, site.apiKey);
    const second = await api.post(
      '/auth/login',
      { email, password },
      { ...withKey(site.apiKey), 'user-agent': 'Phone/1.0' },
    );
    const list = await api.get('/user/sessions', bearer(first));
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(2);
    const current = list.body.sessions.find((s: { current: boolean }) => s.current);
    expect(current.session_id).toBe(decodeJwt(first).sid);
    const phone = list.body.sessions.find((s: { current: boolean }) => !s.current);
    expect(phone.user_agent).toBe('Phone/1.0');

    expect((await api.delete(`/user/sessions/${phone.session_id}`, bearer(first))).status).toBe(200);
    expect((await me(second.body.token)).status).toBe(401);
    expect((await me(first)).status).toBe(200);
    expect((await api.get('/user/sessions', bearer(first))).body.sessions).toHaveLength(1);
  });

  it("gives 404 for another user's session id and leaves it alone", async () => {
    const alice = await registerAndLogin(app, site.apiKey);
    const bob = await registerAndLogin(app, site.apiKey);
    const bobSid = decodeJwt(bob.token).sid as string;
    const res = await api.delete(`/user/sessions/${bobSid}`, bearer(alice.token));
    expect(res.status).toBe(404);
    expect((await me(bob.token)).status).toBe(200);
  });

  it("S28: tenant A's access and refresh tokens are refused when tenant B's key comes along", async () => {
    const other = await createTestTenant();
    const { token, refreshToken } = await registerAndLogin(app, site.apiKey);
    expect((await api.get('/user/me', { ...bearer(token), ...withKey(other.apiKey) })).status).toBe(401);
    expect(
      (await api.post('/auth/token/refresh', { refresh_token: refreshToken }, withKey(other.apiKey))).status,
    ).toBe(401);
    expect((await api.get('/user/me', { ...bearer(token), ...withKey(site.apiKey) })).status).toBe(200);
  });

  it('S34: refuses with 503 when the blacklist cannot be read, rather than letting the token through', async () => {
    const { token } = await registerAndLogin(app, site.apiKey);
    const { tables: tablesConfig } = await import('../../src/core/config');
    const tables = tablesConfig();
    const real = tables.blacklist;
    tables.blacklist = 'NoSuchTable';
    try {
      const res = await me(token);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ detail: 'Service temporarily unavailable', code: 'service_unavailable' });
    } finally {
      tables.blacklist = real;
    }
    expect((await me(token)).status).toBe(200);
  });
});

describe('S16: ending every session is one write, and sessions are capped', () => {
  it('a password reset ends sessions in the same write as the new hash: no old session outlives it', async () => {
    const { email, token, refreshToken } = await registerAndLogin(app, site.apiKey);
    const others = await Promise.all(
      [1, 2, 3].map(() => api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(site.apiKey))),
    );
    const userId = `${site.tenant.clientId}#${site.tenant.siteId}#${email}`;
    const { setPasswordHash } = await import('../../src/core/db/users');
    const { hashPassword } = await import('../../src/core/passwords');
    // The one write a reset or change makes: hash and session list together.
    expect(
      await setPasswordHash(userId, await hashPassword('another good passphrase'), { changedAt: Date.now() }),
    ).toBe(true);
    for (const t of [token, ...others.map((o) => o.body.token as string)])
      expect((await me(t)).status).toBe(401);
    expect((await refreshWith(refreshToken)).status).toBe(401);
    expect((await getUser(userId))?.liveSessions).toEqual([]);
  });

  it('however many times someone signs in, a user holds at most max_live sessions: the oldest end', async () => {
    const capped = await createTestTenant({ settings: { sessions: { max_live: 3 } } });
    const { email, token: first } = await registerAndLogin(app, capped.apiKey);
    const tokens = [first];
    for (let i = 0; i < 4; i++) {
      const res = await api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(capped.apiKey));
      tokens.push(res.body.token);
    }
    const statuses = await Promise.all(tokens.map(async (t) => (await me(t)).status));
    expect(statuses).toEqual([401, 401, 200, 200, 200]);
    const listed = await api.get('/user/sessions', bearer(tokens[4] as string));
    expect(listed.body.sessions).toHaveLength(3);
  });

  it('fifty sign-ins at once all stay listed up to the cap (the list is updated conditionally, never lost)', async () => {
    const roomy = await createTestTenant({
      settings: { sessions: { max_live: 100 }, lockout: { max_failures: 50, hard_cap: 99 } },
    });
    const { email } = await registerAndLogin(app, roomy.apiKey);
    const logins = await Promise.all(
      Array.from({ length: 50 }, () =>
        api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(roomy.apiKey)),
      ),
    );
    expect(logins.map((l) => l.status).filter((s) => s !== 200)).toEqual([]);
    const statuses = await Promise.all(logins.map(async (l) => (await me(l.body.token)).status));
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});
