import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { totpAt } from '../../src/auth/mfa/totp';
import { useClock } from '../../src/core/clock';
import { listAuditEvents } from '../../src/core/db/audit-log';
import { bearer, client, withKey } from '../support/http';
import { jobsTo } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, storedUserItem } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;
let restoreClock: (() => void) | undefined;
// A fixed, future moment on a step boundary, moved forward explicitly: TOTP steps become deterministic.
let now = Math.ceil(Date.now() / 1000 / 30) * 30 + 300;
const setClock = (seconds: number) => {
  now = seconds;
  restoreClock?.();
  restoreClock = useClock({ now: () => now * 1000 });
};
const nextStep = () => setClock(now + 30);

beforeAll(async () => {
  site = await createTestTenant({
    settings: { cookie_mode: true, reset_url: 'https://mfa-site.example/reset' },
  });
});
afterEach(() => {
  restoreClock?.();
  restoreClock = undefined;
});

/** A user with TOTP active; returns the seed and the recovery codes. */
async function enrolled() {
  setClock(now);
  const user = await registerAndLogin(app, site.apiKey);
  const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(user.token));
  expect(setup.status).toBe(200);
  const secret = setup.body.secret as string;
  const activated = await api.post(
    '/auth/mfa/totp/activate',
    { code: await totpAt(secret, now) },
    bearer(user.token),
  );
  expect(activated.status).toBe(200);
  nextStep();
  return { ...user, secret, recoveryCodes: activated.body.recovery_codes as string[], setup };
}

const login = (email: string, password = GOOD_PASSWORD, key = site.apiKey) =>
  api.post('/auth/login', { email, password }, withKey(key));
const verify = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api.post('/auth/mfa/verify', body, headers);

describe('TOTP enrollment', () => {
  it('setup gives a secret, an otpauth URL and a QR SVG; activation returns 10 recovery codes once', async () => {
    const { setup, recoveryCodes, token } = await enrolled();
    expect(setup.body.otpauth_url).toMatch(/^otpauth:\/\/totp\/.+\?secret=[A-Z2-7]+&issuer=/);
    expect(setup.body.qr_svg).toMatch(/^<svg/);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}(-[a-z2-7]{5}){3}$/);
    expect((await api.get('/auth/mfa', bearer(token))).body).toMatchObject({
      methods: ['totp', 'recovery_code'],
      recovery_codes_left: 10,
    });
  });

  it('S27: stores the seed encrypted, and changing factors needs a recent sign-in or the current password', async () => {
    const { secret, email, token } = await enrolled();
    const Item = await storedUserItem(`${site.tenant.clientId}#${site.tenant.siteId}#${email}`);
    expect(JSON.stringify(Item)).not.toContain(secret);
    expect(Item?.mfa_totp_secret?.S).toMatch(/^v1\./);
    // 11 minutes on: the access token (15 min) is still valid, but the sign-in is no longer recent.
    setClock(now + 11 * 60);
    const stale = await api.post('/auth/mfa/totp/setup', undefined, bearer(token));
    expect(stale.status).toBe(403);
    expect(stale.body.code).toBe('reauthentication_required');
    expect(
      (await api.post('/auth/mfa/totp/setup', { current_password: 'not my password' }, bearer(token))).status,
    ).toBe(403);
    expect(
      (await api.post('/auth/mfa/totp/setup', { current_password: GOOD_PASSWORD }, bearer(token))).status,
    ).toBe(200);
  });

  it('refuses a wrong first code with 422 and activates nothing', async () => {
    setClock(now);
    const user = await registerAndLogin(app, site.apiKey);
    await api.post('/auth/mfa/totp/setup', undefined, bearer(user.token));
    const wrong = await api.post('/auth/mfa/totp/activate', { code: '000000' }, bearer(user.token));
    expect(wrong.status).toBe(422);
    expect((await login(user.email)).body.token).toEqual(expect.any(String));
  });
});

describe('managing factors', () => {
  it('S26: regenerating recovery codes voids the old set', async () => {
    const { email, token, recoveryCodes } = await enrolled();
    const fresh = await api.post('/auth/mfa/recovery-codes', undefined, bearer(token));
    expect(fresh.status).toBe(200);
    expect(fresh.body.recovery_codes).toHaveLength(10);
    const { mfa_token } = (await login(email)).body;
    expect((await verify({ mfa_token, recovery_code: recoveryCodes[1] })).status).toBe(401);
    expect((await verify({ mfa_token, recovery_code: fresh.body.recovery_codes[0] })).status).toBe(200);
  });

  it('S16/S27: removing TOTP needs a recent sign-in, ends other sessions, and sign-in is password-only again', async () => {
    const { email, token, secret } = await enrolled();
    const { mfa_token } = (await login(email)).body;
    const other = await verify({ mfa_token, code: await totpAt(secret, now) });
    expect(other.status).toBe(200);
    const removed = await api.delete('/auth/mfa/totp', bearer(token));
    expect(removed.status).toBe(200);
    expect((await api.get('/user/me', bearer(other.body.token))).status).toBe(401);
    expect((await api.get('/user/me', bearer(token))).status).toBe(200);
    expect((await login(email)).body).toMatchObject({ token: expect.any(String) });
    expect((await api.get('/auth/mfa', bearer(token))).body).toMatchObject({
      methods: [],
      recovery_codes_left: 0,
    });
    expect((await api.delete('/auth/mfa/totp', bearer(token))).status).toBe(404);
    expect((await api.delete('/auth/mfa/sms', bearer(token))).status).toBe(404);
    // S42: enrollment, the challenge and removal are in the audit log.
    const events = (await listAuditEvents(`${site.tenant.clientId}#${site.tenant.siteId}`, 500))
      .filter((e) => e.userId?.endsWith(email))
      .map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['mfa_enrolled', 'mfa_removed', 'authn_login_success']));
  });
});

describe('signing in with TOTP', () => {
  it('S22: the password step returns only a challenge: no access token, no refresh token, no cookie', async () => {
    const { email } = await enrolled();
    const res = await login(email);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['methods', 'mfa_required', 'mfa_token']);
    expect(res.body).toMatchObject({ mfa_required: true, methods: ['totp', 'recovery_code'] });
    expect(res.headers.getSetCookie()).toEqual([]);
    // S12: the challenge token is no access token.
    expect((await api.get('/user/me', bearer(res.body.mfa_token))).status).toBe(401);
  });

  it('a correct code finishes the sign-in (with cookies in cookie mode); the challenge is single use', async () => {
    const { email, secret } = await enrolled();
    const { mfa_token } = (await login(email)).body;
    const code = await totpAt(secret, now);
    const done = await verify({ mfa_token, code });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      token: expect.any(String),
      refresh_token: expect.any(String),
      user: { email },
    });
    expect(done.headers.getSetCookie().some((c) => c.startsWith('auth_token='))).toBe(true);
    expect((await api.get('/user/me', bearer(done.body.token))).status).toBe(200);
    nextStep();
    expect((await verify({ mfa_token, code: await totpAt(secret, now) })).status).toBe(401);
  });

  it('S23: accepts a code one step old or ahead, refuses two steps away', async () => {
    const { email, secret } = await enrolled();
    for (const [offset, ok] of [
      [-30, true],
      [30, true],
      [-60, false],
      [60, false],
    ] as const) {
      // Well past the last accepted step, so only the offset decides.
      setClock(now + 120);
      const { mfa_token } = (await login(email)).body;
      const res = await verify({ mfa_token, code: await totpAt(secret, now + offset) });
      expect(res.status, `offset ${offset}`).toBe(ok ? 200 : 401);
    }
  });

  it('S23: the same code sent 50 times at once, over ten challenges, signs in once', async () => {
    const { email, secret } = await enrolled();
    const challenges: string[] = [];
    for (let i = 0; i < 10; i++) challenges.push((await login(email)).body.mfa_token);
    const code = await totpAt(secret, now);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => verify({ mfa_token: challenges[i % 10], code })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });

  it('S24: about five tries per challenge, and wrong codes count toward the lockout', async () => {
    const { email } = await enrolled();
    const { mfa_token } = (await login(email)).body;
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      // Past the progressive delay the earlier failures imposed.
      setClock(now + 70);
      codes.push((await verify({ mfa_token, code: String(100000 + i) })).body.code);
    }
    expect(codes).toEqual([...Array(5).fill('invalid_mfa_code'), 'invalid_mfa_token']);
    // Five wrong codes used up the email's failure budget: even the right password is refused for now.
    setClock(now + 70);
    expect((await login(email)).status).toBe(429);
  });

  it('S26: a recovery code works once and the owner is told', async () => {
    const { email, recoveryCodes, secret } = await enrolled();
    const { mfa_token } = (await login(email)).body;
    const done = await verify({ mfa_token, recovery_code: recoveryCodes[0]?.toUpperCase() });
    expect(done.status).toBe(200);
    expect((await api.get('/auth/mfa', bearer(done.body.token))).body.recovery_codes_left).toBe(9);
    const notices = await jobsTo(email, 'notification');
    expect(notices.at(-1)?.data.title).toBe('A recovery code was used to sign in');
    const again = (await login(email)).body.mfa_token;
    expect((await verify({ mfa_token: again, recovery_code: recoveryCodes[0] })).status).toBe(401);
    expect((await verify({ mfa_token: again, code: await totpAt(secret, now) })).status).toBe(200);
  });

  it('S26: one recovery code sent 50 times at once, over ten challenges, signs in once', async () => {
    const { email, recoveryCodes } = await enrolled();
    const challenges: string[] = [];
    for (let i = 0; i < 10; i++) challenges.push((await login(email)).body.mfa_token);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        verify({ mfa_token: challenges[i % 10], recovery_code: recoveryCodes[1] }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });

  it("S28: another site's API key cannot finish this site's challenge", async () => {
    const other = await createTestTenant();
    const { email, secret } = await enrolled();
    const { mfa_token } = (await login(email)).body;
    const code = await totpAt(secret, now);
    expect((await verify({ mfa_token, code }, withKey(other.apiKey))).status).toBe(401);
    expect((await verify({ mfa_token, code }, withKey(site.apiKey))).status).toBe(200);
  });

  it('answers malformed verify bodies with 422 and junk tokens with 401, never 500', async () => {
    expect((await verify({ mfa_token: 'x' })).status).toBe(422);
    expect((await verify({ mfa_token: 'x', code: '123456', recovery_code: 'y' })).status).toBe(422);
    for (const code of ['000000', '1e5', ' 123456', '12345', '1234567']) {
      expect((await verify({ mfa_token: 'not.a.jwt', code })).status).toBe(401);
    }
  });
});
