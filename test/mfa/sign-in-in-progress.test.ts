// Tokens of a sign-in in progress (the MFA challenge, the enrollment-only token) are bound to the account's
// credentials and spent once; second-factor guesses have a per-user budget a correct password does not reset;
// enrollment codes allow a few tries each.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { totpAt } from '../../src/auth/mfa/totp';
import { useClock } from '../../src/core/clock';
import { queryAuditEvents } from '../../src/core/db/audit-log';
import { getUser, userIdOf } from '../../src/core/db/users';
import { consoleBrowser } from '../support/console';
import { consoleCodeFor } from '../support/console-mfa';
import { bearer, client, withKey } from '../support/http';
import { emailCodeFor, resetTokenFor } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;
let required: TestTenant;
let restoreClock: (() => void) | undefined;
let now = Math.ceil(Date.now() / 1000 / 30) * 30 + 600;
const setClock = (seconds: number) => {
  now = seconds;
  restoreClock?.();
  restoreClock = useClock({ now: () => now * 1000 });
};

beforeAll(async () => {
  [site, required] = await Promise.all([
    createTestTenant({ settings: { reset_url: 'https://in-progress.example/reset' } }),
    createTestTenant({ settings: { mfa: 'required', reset_url: 'https://required.example/reset' } }),
  ]);
});
afterEach(() => {
  restoreClock?.();
  restoreClock = undefined;
});

const login = (email: string, s = site) =>
  api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(s.apiKey));

async function resetPassword(email: string, s: TestTenant, password = 'a brand new passphrase') {
  expect((await api.post('/auth/password-reset', { email }, withKey(s.apiKey))).status).toBe(200);
  const token = await resetTokenFor(email);
  const res = await api.post('/auth/password-reset/confirm', { token, new_password: password });
  expect(res.status).toBe(200);
}

/** A user with TOTP on; the seed and recovery codes. */
async function withTotp(s = site) {
  setClock(now);
  const user = await registerAndLogin(app, s.apiKey);
  const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(user.token));
  const secret = setup.body.secret as string;
  const activated = await api.post(
    '/auth/mfa/totp/activate',
    { code: await totpAt(secret, now) },
    bearer(user.token),
  );
  expect(activated.status).toBe(200);
  setClock(now + 30);
  return { ...user, secret, recoveryCodes: activated.body.recovery_codes as string[] };
}

describe('S16: a sign-in in progress ends when the credentials change', () => {
  it('an enrollment token dies when the owner resets the password: setup is refused, activation signs nobody in', async () => {
    const email = uniqueEmail('enroll');
    await api.post('/auth/register', { email, password: GOOD_PASSWORD }, withKey(required.apiKey));
    const first = await login(email, required);
    expect(first.body.mfa_enrollment_required).toBe(true);
    const tokenA = first.body.mfa_token as string;
    const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(tokenA));
    expect(setup.status).toBe(200);

    await resetPassword(email, required);

    expect((await api.post('/auth/mfa/totp/setup', undefined, bearer(tokenA))).status).toBe(401);
    setClock(now);
    const code = await totpAt(setup.body.secret, now);
    const activate = await api.post('/auth/mfa/totp/activate', { code }, bearer(tokenA));
    expect(activate.status).toBe(401);
    expect(activate.body.token).toBeUndefined();
  });

  it('an enrollment token dies when the owner enrolls a factor elsewhere', async () => {
    const email = uniqueEmail('enroll2');
    await api.post('/auth/register', { email, password: GOOD_PASSWORD }, withKey(required.apiKey));
    const tokenA = (await login(email, required)).body.mfa_token as string;
    const tokenB = (await login(email, required)).body.mfa_token as string;
    await api.post('/auth/mfa/email/setup', undefined, bearer(tokenB));
    const done = await api.post(
      '/auth/mfa/email/activate',
      { code: await emailCodeFor(email) },
      bearer(tokenB),
    );
    expect(done.status).toBe(200);
    expect(done.body.token).toEqual(expect.any(String));
    expect((await api.post('/auth/mfa/totp/setup', undefined, bearer(tokenA))).status).toBe(401);
  });

  it('an MFA challenge dies with a password reset', async () => {
    const { email, secret } = await withTotp();
    const challenge = (await login(email)).body.mfa_token as string;
    await resetPassword(email, site);
    const res = await api.post('/auth/mfa/verify', { mfa_token: challenge, code: await totpAt(secret, now) });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_mfa_token');
  });

  it('an MFA challenge dies when a factor is removed', async () => {
    const { email, secret, token } = await withTotp();
    const challenge = (await login(email)).body.mfa_token as string;
    await api.post('/auth/mfa/email/setup', undefined, bearer(token));
    await api.post('/auth/mfa/email/activate', { code: await emailCodeFor(email) }, bearer(token));
    const res = await api.post('/auth/mfa/verify', { mfa_token: challenge, code: await totpAt(secret, now) });
    expect(res.status).toBe(401);
  });

  it('five different recovery codes sent at once on one challenge start exactly one session', async () => {
    const { email, recoveryCodes } = await withTotp();
    const challenge = (await login(email)).body.mfa_token as string;
    const answers = await Promise.all(
      recoveryCodes
        .slice(0, 5)
        .map((recovery_code) => api.post('/auth/mfa/verify', { mfa_token: challenge, recovery_code })),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
  });

  it('fifty activations of one enrollment at once sign in once', async () => {
    const email = uniqueEmail('race');
    await api.post('/auth/register', { email, password: GOOD_PASSWORD }, withKey(required.apiKey));
    setClock(now);
    const token = (await login(email, required)).body.mfa_token as string;
    const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(token));
    const code = await totpAt(setup.body.secret, now);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => api.post('/auth/mfa/totp/activate', { code }, bearer(token))),
    );
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.filter((a) => typeof a.body?.token === 'string')).toHaveLength(1);
  });
});

describe('S24: wrong second-factor codes have a per-user budget', () => {
  it('a correct password does not reset it: (sign in, 4 wrong codes) over and over ends in 429 and authn_mfa_lock', async () => {
    const { email } = await withTotp();
    const statuses: number[] = [];
    for (let round = 0; round < 4; round++) {
      const challenge = await login(email);
      if (challenge.status !== 200) {
        statuses.push(challenge.status);
        continue;
      }
      for (let i = 0; i < 4; i++) {
        // Past each progressive delay of the login lockout, which wrong codes count toward too.
        setClock(now + 10);
        const res = await api.post('/auth/mfa/verify', {
          mfa_token: challenge.body.mfa_token,
          code: '000000',
        });
        statuses.push(res.status);
      }
      setClock(now + 10);
    }
    // Ten wrong codes, then the budget (not the per-challenge or the password's) refuses.
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(statuses.length - 10).fill(429));
    const { events } = await queryAuditEvents(`${site.tenant.clientId}#${site.tenant.siteId}`, {
      userId: userIdOf(site.tenant.clientId, site.tenant.siteId, email),
      event: 'authn_mfa_lock',
    });
    expect(events).toHaveLength(1);
  });

  it('the console throttles wrong authenticator codes with the same budget', async () => {
    const email = uniqueEmail('console-admin');
    const password = 'console admin passphrase';
    await createPlatformAdmin({ email, password });
    // Enroll the test seed the way console-mfa.ts does, then guess.
    await consoleCodeFor(email);
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) {
      const b = consoleBrowser(app);
      const page = await b.get('/admin/login');
      const res = await b.post('/admin/login', {
        csrf_token: b.csrfFrom(page.html),
        email,
        password,
        code: '000000',
      });
      statuses.push(res.res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toContain(429);
  });

  it('enrollment codes allow five tries each: a sixth, even the right one, is refused, and the address stays unverified', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    await api.post('/auth/mfa/email/setup', undefined, bearer(user.token));
    const code = await emailCodeFor(user.email);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      expect((await api.post('/auth/mfa/email/activate', { code: wrong }, bearer(user.token))).status).toBe(
        422,
      );
    }
    const late = await api.post('/auth/mfa/email/activate', { code }, bearer(user.token));
    expect(late.status).toBe(422);
    expect(late.body.errors[0].message).toMatch(/too many wrong codes/);
    const stored = await getUser(userIdOf(site.tenant.clientId, site.tenant.siteId, user.email));
    expect(stored?.emailVerified).toBe(false);
    expect(stored?.mfa.email).toBeUndefined();
  });

  it('fifty parallel guesses at an enrollment code spend at most five tries', async () => {
    setClock(now);
    const user = await registerAndLogin(app, site.apiKey);
    const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(user.token));
    const right = await totpAt(setup.body.secret, now);
    const guesses = Array.from({ length: 50 }, (_, i) => String(i).padStart(6, '0')).filter(
      (g) => g !== right,
    );
    const answers = await Promise.all(
      guesses.map((code) => api.post('/auth/mfa/totp/activate', { code }, bearer(user.token))),
    );
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    const tried = answers.filter((a) => /does not match/.test(JSON.stringify(a.body)));
    expect(tried.length).toBeLessThanOrEqual(5);
    expect((await api.post('/auth/mfa/totp/activate', { code: right }, bearer(user.token))).status).toBe(422);
  });
});

describe('S27: re-authentication is no password oracle', () => {
  it('wrong current_password guesses count toward the login lockout and end in 429', async () => {
    const signedInAt = now + 3600;
    setClock(signedInAt);
    const user = await registerAndLogin(app, site.apiKey);
    setClock(signedInAt + 700); // the sign-in is no longer recent; the access token still lives
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await api.post(
        '/auth/mfa/totp/setup',
        { current_password: `guess number ${i}` },
        bearer(user.token),
      );
      statuses.push(res.status);
      if (res.status === 429) break;
      setClock(now + 10); // past each progressive delay, within the window
    }
    expect(statuses.slice(0, 5).every((s) => s === 403)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
