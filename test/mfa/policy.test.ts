// A site's two-factor policy (setting `mfa`): off, optional, required, or required for admins.
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { totpAt } from '../../src/auth/mfa/totp';
import { setUserRoles, userIdOf } from '../../src/core/db/users';
import { consoleBrowser } from '../support/console';
import { bearer, client, withKey } from '../support/http';
import { emailCodeFor } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
let required: TestTenant;
let admins: TestTenant;
let off: TestTenant;

beforeAll(async () => {
  [required, admins, off] = await Promise.all([
    createTestTenant({ settings: { mfa: 'required', cookie_mode: true } }),
    createTestTenant({ settings: { mfa: 'admins' } }),
    createTestTenant({ settings: { mfa: 'off' } }),
  ]);
});

const login = (email: string, site: TestTenant) =>
  api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(site.apiKey));

async function register(site: TestTenant) {
  const email = uniqueEmail('policy');
  const res = await api.post('/auth/register', { email, password: GOOD_PASSWORD }, withKey(site.apiKey));
  expect(res.status).toBe(201);
  return email;
}

describe('mfa: required', () => {
  it('S22: a user without a factor gets only an enrollment token, which cannot act as a session', async () => {
    const email = await register(required);
    const res = await login(email, required);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      mfa_enrollment_required: true,
      mfa_token: expect.any(String),
      methods: ['totp', 'sms', 'email'],
    });
    expect(res.headers.getSetCookie()).toEqual([]);
    const token = res.body.mfa_token as string;
    expect((await api.get('/user/me', bearer(token))).status).toBe(401);
    expect((await api.post('/auth/token/refresh', undefined, bearer(token))).status).toBe(401);
    expect((await api.post('/auth/mfa/verify', { mfa_token: token, code: '123456' })).status).toBe(401);
    expect((await api.post('/auth/mfa/recovery-codes', undefined, bearer(token))).status).toBe(401);
    expect((await api.delete('/auth/mfa/totp', bearer(token))).status).toBe(401);
    // Nor can it finish a console sign-in.
    const b = consoleBrowser(app);
    const form = await b.get('/admin/login');
    const consoleEnroll = await b.post('/admin/mfa/enroll', {
      csrf_token: b.csrfFrom(form.html),
      enroll_token: token,
      code: '123456',
    });
    expect(consoleEnroll.res.status).toBe(401);
    expect(consoleEnroll.html).toContain('sign in again');
    // S28: another site's key with it is refused.
    const cross = await api.post('/auth/mfa/totp/setup', undefined, {
      ...bearer(token),
      ...withKey(admins.apiKey),
    });
    expect(cross.status).toBe(401);
  });

  it('enrolling with the token finishes the sign-in: recovery codes, tokens and cookies; the token is then spent', async () => {
    const email = await register(required);
    const { mfa_token } = (await login(email, required)).body;
    expect((await api.get('/auth/mfa', bearer(mfa_token))).body).toMatchObject({
      methods: [],
      policy: 'required',
    });
    const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(mfa_token));
    expect(setup.status).toBe(200);
    const code = await totpAt(setup.body.secret, Math.floor(Date.now() / 1000));
    const done = await api.post('/auth/mfa/totp/activate', { code }, bearer(mfa_token));
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      activated: true,
      recovery_codes: expect.any(Array),
      token: expect.any(String),
      refresh_token: expect.any(String),
      user: { email },
    });
    expect(done.headers.getSetCookie().some((c) => c.startsWith('auth_token='))).toBe(true);
    expect((await api.get('/user/me', bearer(done.body.token))).status).toBe(200);
    // Single use: the enrollment token cannot start a second session or change factors again.
    expect((await api.post('/auth/mfa/email/setup', undefined, bearer(mfa_token))).status).toBe(401);
    // Next sign-in is a normal challenge.
    expect((await login(email, required)).body).toMatchObject({
      mfa_required: true,
      methods: ['totp', 'recovery_code'],
    });
  });

  it('enrolling email codes with the token works the same way', async () => {
    const email = await register(required);
    const { mfa_token } = (await login(email, required)).body;
    expect((await api.post('/auth/mfa/email/setup', undefined, bearer(mfa_token))).status).toBe(202);
    const done = await api.post(
      '/auth/mfa/email/activate',
      { code: await emailCodeFor(email) },
      bearer(mfa_token),
    );
    expect(done.status).toBe(200);
    expect(done.body.token).toEqual(expect.any(String));
  });

  it('refuses removing the last factor (403 mfa_required), allows removing one of two', async () => {
    const email = await register(required);
    const { mfa_token } = (await login(email, required)).body;
    await api.post('/auth/mfa/email/setup', undefined, bearer(mfa_token));
    const done = await api.post(
      '/auth/mfa/email/activate',
      { code: await emailCodeFor(email) },
      bearer(mfa_token),
    );
    const auth = bearer(done.body.token);
    const last = await api.delete('/auth/mfa/email', auth);
    expect(last.status).toBe(403);
    expect(last.body.code).toBe('mfa_required');
    const setup = await api.post('/auth/mfa/totp/setup', undefined, auth);
    await api.post(
      '/auth/mfa/totp/activate',
      { code: await totpAt(setup.body.secret, Math.floor(Date.now() / 1000)) },
      auth,
    );
    expect((await api.delete('/auth/mfa/email', auth)).status).toBe(200);
  });
});

describe('mfa: admins', () => {
  it('users sign in with a password; tenant admins must enroll', async () => {
    const userEmail = await register(admins);
    expect((await login(userEmail, admins)).body.token).toEqual(expect.any(String));
    const adminEmail = await register(admins);
    await setUserRoles(userIdOf(admins.tenant.clientId, admins.tenant.siteId, adminEmail), ['tenant_admin']);
    expect((await login(adminEmail, admins)).body).toMatchObject({ mfa_enrollment_required: true });
  });
});

describe('mfa: off', () => {
  it('offers no enrollment (403 mfa_disabled)', async () => {
    const { token } = await registerAndLogin(app, off.apiKey);
    for (const path of ['/auth/mfa/totp/setup', '/auth/mfa/email/setup']) {
      const res = await api.post(path, undefined, bearer(token));
      expect(res.status, path).toBe(403);
      expect(res.body.code).toBe('mfa_disabled');
    }
    expect((await api.get('/auth/mfa', bearer(token))).body).toMatchObject({ available: [], policy: 'off' });
  });
});
