// Seed 002: platform admins must use a second factor in the console; site admins where their site says so.
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { totpAt } from '../../src/auth/mfa/totp';
import { clock } from '../../src/core/clock';
import { listAuditEvents } from '../../src/core/db/audit-log';
import { getUser, setUserRoles, userIdOf } from '../../src/core/db/users';
import { consoleBrowser } from '../support/console';
import { bearer, client } from '../support/http';
import { createTestTenant } from '../support/tenants';
import { registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
const PASSWORD = 'a very long console passphrase';

/** Posts the sign-in form as typed, with no help from the test seed. */
async function passwordStep(email: string, password: string, code = '') {
  const b = consoleBrowser(app);
  const page = await b.get('/admin/login');
  const res = await b.post('/admin/login', { csrf_token: b.csrfFrom(page.html), email, password, code });
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(res.html)?.[1] ?? '';
  const secret = /data-secret="([A-Z2-7]+)"/.exec(res.html)?.[1] ?? '';
  return { b, ...res, enrollToken: field('enroll_token'), csrf: b.csrfFrom(res.html), secret };
}

const enroll = (step: Awaited<ReturnType<typeof passwordStep>>, code: string) =>
  step.b.post('/admin/mfa/enroll', {
    csrf_token: step.csrf,
    enroll_token: step.enrollToken,
    next: '/admin/users',
    code,
  });

let platformAdmin: string;
beforeAll(async () => {
  platformAdmin = uniqueEmail('root-mfa');
  await createPlatformAdmin({ email: platformAdmin, password: PASSWORD });
});

describe('platform admin without an authenticator', () => {
  it('the password leads to setting one up, not to a session; the first code turns it on and signs in', async () => {
    const step = await passwordStep(platformAdmin, PASSWORD);
    expect(step.res.status).toBe(200);
    expect(step.html).toContain('Set up two-factor sign-in');
    expect(step.html).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
    expect(step.secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(step.b.jar.has('__Host-lambdalith_admin')).toBe(false);
    expect((await step.b.get('/admin')).res.status).toBe(303);
    // The enrollment token is no API token, and cannot enroll (and so sign in) through the API either.
    expect((await api.get('/user/me', bearer(step.enrollToken))).status).toBe(401);
    expect((await api.post('/auth/mfa/totp/setup', undefined, bearer(step.enrollToken))).status).toBe(401);

    const wrong = await enroll(step, '000000');
    expect(wrong.res.status).toBe(422);
    expect(wrong.html).toContain('That code does not match');
    expect(wrong.html).toContain(`data-secret="${step.secret}"`);
    expect(step.b.jar.has('__Host-lambdalith_admin')).toBe(false);

    const done = await enroll(step, await totpAt(step.secret, clock.seconds()));
    expect(done.res.status).toBe(200);
    const codes = [...done.html.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    expect(done.html).toContain('href="/admin/users"');
    expect(step.b.jar.has('__Host-lambdalith_admin')).toBe(true);
    expect((await step.b.get('/admin/users')).res.status).toBe(200);

    // Spent: the same form cannot start a second session.
    const replay = await enroll(step, await totpAt(step.secret, clock.seconds() + 30));
    expect(replay.res.status).toBe(401);
    expect(replay.html).toContain('sign in again');

    // From now on the password alone is not enough; a recovery code works, once.
    const bare = await passwordStep(platformAdmin, PASSWORD);
    expect(bare.res.status).toBe(401);
    expect(bare.html).toContain('Enter the code from your authenticator app');
    expect((await passwordStep(platformAdmin, PASSWORD, codes[0])).res.status).toBe(303);
    expect((await passwordStep(platformAdmin, PASSWORD, codes[0])).res.status).toBe(401);

    // Their own account page: the factor, the codes left, and fresh codes for a fresh authenticator code.
    const account = await step.b.get('/admin/account');
    expect(account.html).toContain('authenticator app, 9 recovery codes left');
    const replace = (code: string) =>
      step.b.post('/admin/account/recovery-codes', { csrf_token: step.b.csrfFrom(account.html), code });
    expect((await replace('000000')).res.status).toBe(422);
    const replaced = await replace(await totpAt(step.secret, clock.seconds() + 30));
    expect(replaced.res.status).toBe(200);
    const fresh = [...replaced.html.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]);
    expect(fresh).toHaveLength(10);
    expect((await passwordStep(platformAdmin, PASSWORD, codes[1])).res.status).toBe(401);
    expect((await passwordStep(platformAdmin, PASSWORD, fresh[0])).res.status).toBe(303);

    const user = await getUser(userIdOf('platform', 'console', platformAdmin));
    expect(user?.mfa.totpSecret).toMatch(/^v1\./);
    const events = (await listAuditEvents('platform#console', 200))
      .filter((e) => e.userId === user?.userId)
      .map((e) => e.event);
    expect(events).toEqual(
      expect.arrayContaining([
        'mfa_enrolled',
        'admin_login_success',
        'authn_mfa_fail',
        'mfa_recovery_code_used',
      ]),
    );
  });

  it('a wrong password never reaches the enrollment page', async () => {
    const admin = uniqueEmail('root-mfa');
    await createPlatformAdmin({ email: admin, password: PASSWORD });
    const step = await passwordStep(admin, 'not the console password');
    expect(step.res.status).toBe(401);
    expect(step.enrollToken).toBe('');
  });
});

describe('site admins follow their site policy', () => {
  it('optional: password only; admins: must set up an authenticator first', async () => {
    const relaxed = await createTestTenant({ settings: { mfa: 'optional' } });
    const strict = await createTestTenant({ settings: { mfa: 'admins' } });
    for (const [site, expected] of [
      [relaxed, 303],
      [strict, 200],
    ] as const) {
      const admin = await registerAndLogin(app, site.apiKey);
      await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
      const step = await passwordStep(admin.email, admin.password);
      expect(step.res.status).toBe(expected);
      if (expected === 200) expect(step.html).toContain('Set up two-factor sign-in');
    }
  });
});
