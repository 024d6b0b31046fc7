// SMS and email codes (S25), the /auth/mfa/challenge route, and per-site limits on texts.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { useClock } from '../../src/core/clock';
import { listAuditEvents } from '../../src/core/db/audit-log';
import { sqsSdk } from '../../src/dev/aws';
import { bearer, client, withKey } from '../support/http';
import { emailCodeFor, relayOutbox, smsCodeFor, smsJobs } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, storedUserItem } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;
let otherSite: TestTenant;
let restoreClock: (() => void) | undefined;
let phoneSeq = 1000;
const newPhone = () => `+1415555${String(phoneSeq++).padStart(4, '0')}`;

beforeAll(async () => {
  [site, otherSite] = await Promise.all([createTestTenant(), createTestTenant()]);
});
afterEach(() => {
  restoreClock?.();
  restoreClock = undefined;
});

const login = (email: string, key = site.apiKey) =>
  api.post('/auth/login', { email, password: GOOD_PASSWORD }, withKey(key));
const challenge = (mfa_token: string, method: string, headers: Record<string, string> = {}) =>
  api.post('/auth/mfa/challenge', { mfa_token, method }, headers);
const verify = (mfa_token: string, code: string) => api.post('/auth/mfa/verify', { mfa_token, code });

async function withSms(phone = newPhone(), key = site.apiKey) {
  const user = await registerAndLogin(app, key);
  const setup = await api.post('/auth/mfa/sms/setup', { phone }, bearer(user.token));
  expect(setup.status).toBe(202);
  const activated = await api.post(
    '/auth/mfa/sms/activate',
    { code: await smsCodeFor(phone) },
    bearer(user.token),
  );
  expect(activated.status).toBe(200);
  return { ...user, phone, setup, activated };
}

async function withEmailCodes() {
  const user = await registerAndLogin(app, site.apiKey);
  expect((await api.post('/auth/mfa/email/setup', undefined, bearer(user.token))).status).toBe(202);
  const activated = await api.post(
    '/auth/mfa/email/activate',
    { code: await emailCodeFor(user.email) },
    bearer(user.token),
  );
  expect(activated.status).toBe(200);
  return { ...user, activated };
}

describe('SMS enrollment', () => {
  it('texts a code to the number; the code activates SMS and, as the first factor, gives recovery codes', async () => {
    const { setup, activated, token, phone } = await withSms();
    expect(setup.body).toEqual({ sent_to: `+*******${phone.slice(-4)}`, expires_in: 600 });
    expect(activated.body.recovery_codes).toHaveLength(10);
    expect((await api.get('/auth/mfa', bearer(token))).body).toMatchObject({
      methods: ['sms', 'recovery_code'],
      available: ['totp', 'sms', 'email'],
      policy: 'optional',
    });
  });

  it('accepts how people write numbers, and refuses what is not an international number', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const ok = await api.post('/auth/mfa/sms/setup', { phone: '+1 (415) 555-0199' }, bearer(user.token));
    expect(ok.status).toBe(202);
    expect((await smsJobs()).at(-1)?.to).toBe('+14155550199');
    for (const phone of ['4155550199', '+0123456789', '+1', 'call me', 12345, '+1415555019912345678']) {
      const res = await api.post('/auth/mfa/sms/setup', { phone }, bearer(user.token));
      expect(res.status, String(phone)).toBe(422);
      expect(res.body.code).toBe('validation_error');
    }
  });

  it('S25/S27: the phone is sealed at rest, and the queued text carries neither phone nor code in the clear', async () => {
    const { phone, email } = await withSms();
    const userId = `${site.tenant.clientId}#${site.tenant.siteId}#${email}`;
    const Item = await storedUserItem(userId);
    expect(JSON.stringify(Item)).not.toContain(phone.slice(1));
    expect(Item?.mfa_sms_phone?.S).toMatch(/^v1\./);
    const { mfa_token } = (await login(email)).body;
    await challenge(mfa_token, 'sms');
    const sent = (await smsJobs()).filter((t) => t.to === phone).at(-1);
    const raw = JSON.stringify(sent?.job);
    expect(sent?.code).toMatch(/^\d{6}$/);
    expect(raw).not.toContain(sent?.code);
    expect(raw).not.toContain(phone.slice(1));
    // The stored code is a keyed digest, not the code.
    const after = { Item: await storedUserItem(userId) };
    expect(JSON.stringify(after.Item)).not.toContain(`"${sent?.code}"`);
    expect(after.Item?.mfa_otp?.M?.hash?.S).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a wrong code activates nothing; an enrollment code cannot finish a sign-in', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const phone = newPhone();
    await api.post('/auth/mfa/sms/setup', { phone }, bearer(user.token));
    const code = await smsCodeFor(phone);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect((await api.post('/auth/mfa/sms/activate', { code: wrong }, bearer(user.token))).status).toBe(422);
    expect((await login(user.email)).body.token).toEqual(expect.any(String));
  });
});

describe('signing in with an SMS or email code', () => {
  it('login offers sms; /auth/mfa/challenge texts a code (202); the code signs in once', async () => {
    const { email, phone } = await withSms();
    const first = await login(email);
    expect(first.body).toEqual({
      mfa_required: true,
      mfa_token: expect.any(String),
      methods: ['sms', 'recovery_code'],
    });
    const sent = await challenge(first.body.mfa_token, 'sms');
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({
      message: 'Code sent',
      method: 'sms',
      sent_to: expect.any(String),
      expires_in: 600,
    });
    const code = await smsCodeFor(phone);
    const done = await verify(first.body.mfa_token, code);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ token: expect.any(String), user: { email } });
    // S25: single use: the same code on a new challenge fails.
    const second = await login(email);
    expect((await verify(second.body.mfa_token, code)).status).toBe(401);
  });

  it('S25: the same code sent twice at once signs in once', async () => {
    const { email, phone } = await withSms();
    const [a, b] = await Promise.all([login(email), login(email)]);
    await challenge(a.body.mfa_token, 'sms');
    const code = await smsCodeFor(phone);
    const results = await Promise.all([verify(a.body.mfa_token, code), verify(b.body.mfa_token, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('S25: a resend voids the previous code', async () => {
    const { email, phone } = await withSms();
    const { mfa_token } = (await login(email)).body;
    await challenge(mfa_token, 'sms');
    const old = await smsCodeFor(phone);
    await challenge(mfa_token, 'sms');
    const fresh = await smsCodeFor(phone);
    if (old !== fresh) expect((await verify(mfa_token, old)).status).toBe(401);
    expect((await verify(mfa_token, fresh)).status).toBe(200);
  });

  it('S25: a code is good for 10 minutes, not 11', async () => {
    const { email, phone } = await withSms();
    const start = Date.now();
    const first = (await login(email)).body.mfa_token;
    await challenge(first, 'sms');
    restoreClock = useClock({ now: () => start + 601_000 });
    // The challenge token (5 min) has died too; a new password step with the old code still fails.
    const late = (await login(email)).body.mfa_token;
    expect((await verify(late, await smsCodeFor(phone))).status).toBe(401);
  });

  it('email codes: enroll with the emailed code (which verifies the address), then sign in with a code sent by /auth/mfa/challenge', async () => {
    const { email, activated, token } = await withEmailCodes();
    expect(activated.body.recovery_codes).toHaveLength(10);
    // The code came back from the inbox, so the address counts as verified.
    expect((await api.get('/user/me', bearer(token))).body.user.email_verified).toBe(true);
    const { mfa_token, methods } = (await login(email)).body;
    expect(methods).toEqual(['email', 'recovery_code']);
    const sent = await challenge(mfa_token, 'email');
    expect(sent.status).toBe(202);
    expect(sent.body.sent_to).toMatch(/^.\*\*\*@example\.com$/);
    const done = await verify(mfa_token, await emailCodeFor(email));
    expect(done.status).toBe(200);
  });

  it('refuses a method the account does not have, and another site’s key (S28)', async () => {
    const { email } = await withEmailCodes();
    const { mfa_token } = (await login(email)).body;
    const sms = await challenge(mfa_token, 'sms');
    expect(sms.status).toBe(422);
    const crossSite = await challenge(mfa_token, 'email', withKey(otherSite.apiKey));
    expect(crossSite.status).toBe(401);
    expect(crossSite.body.code).toBe('invalid_mfa_token');
    expect((await challenge('not-a-token', 'email')).status).toBe(401);
    expect((await challenge(mfa_token, 'pigeon')).status).toBe(422);
  });

  it('S42: sending a code and the outcome of verifying are audited', async () => {
    const { email, phone } = await withSms();
    const { mfa_token } = (await login(email)).body;
    await challenge(mfa_token, 'sms');
    await verify(mfa_token, '000000');
    await verify(mfa_token, await smsCodeFor(phone));
    const events = (await listAuditEvents(`${site.tenant.clientId}#${site.tenant.siteId}`, 500)).filter((e) =>
      e.userId?.endsWith(email),
    );
    expect(events.find((e) => e.event === 'mfa_challenge_sent')?.detail).toEqual({ method: 'sms' });
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['mfa_enrolled', 'authn_mfa_fail', 'authn_login_success']),
    );
  });
});

describe('S25: SMS rate limits', () => {
  it('per user: a sixth text within 15 minutes is refused with 429', async () => {
    const { email } = await withSms();
    const { mfa_token } = (await login(email)).body;
    const statuses = [];
    // Enrollment sent one already.
    for (let i = 0; i < 5; i++) statuses.push((await challenge(mfa_token, 'sms')).status);
    expect(statuses).toEqual([202, 202, 202, 202, 429]);
  });

  it('per number: one phone on many accounts stops receiving after 10 an hour', async () => {
    const phone = newPhone();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await registerAndLogin(app, site.apiKey);
      for (let j = 0; j < 4; j++) {
        statuses.push((await api.post('/auth/mfa/sms/setup', { phone }, bearer(user.token))).status);
      }
    }
    expect(statuses.filter((s) => s === 202)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('per site: the mfa_sms_per_hour setting caps texts across all users', async () => {
    const capped = await createTestTenant({ settings: { mfa_sms_per_hour: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await registerAndLogin(app, capped.apiKey);
      statuses.push(
        (await api.post('/auth/mfa/sms/setup', { phone: newPhone() }, bearer(user.token))).status,
      );
    }
    expect(statuses).toEqual([202, 202, 429]);
  });

  it('S40: with the SMS queue gone the request still succeeds, and the text waits in the outbox until it is back', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const phone = newPhone();
    const saved = process.env.SMS_QUEUE_URL;
    const sdk = sqsSdk();
    const sqs = new sdk.SQSClient({});
    const { QueueUrl } = await sqs.send(new sdk.CreateQueueCommand({ QueueName: `gone-${Date.now()}` }));
    await sqs.send(new sdk.DeleteQueueCommand({ QueueUrl }));
    sqs.destroy();
    const { relayConfig } = await import('../../src/outbox/config');
    const config = relayConfig();
    config.sms = QueueUrl;
    try {
      const res = await api.post('/auth/mfa/sms/setup', { phone }, bearer(user.token));
      expect(res.status).toBe(202);
      await relayOutbox();
    } finally {
      config.sms = saved;
    }
    const code = await smsCodeFor(phone);
    const activated = await api.post('/auth/mfa/sms/activate', { code }, bearer(user.token));
    expect(activated.status).toBe(200);
  });
});

describe('removing a code factor', () => {
  it('S27: removing SMS keeps the other factor and the recovery codes', async () => {
    const { token, email } = await withSms();
    await api.post('/auth/mfa/email/setup', undefined, bearer(token));
    await api.post('/auth/mfa/email/activate', { code: await emailCodeFor(email) }, bearer(token));
    expect((await api.delete('/auth/mfa/sms', bearer(token))).status).toBe(200);
    expect((await api.get('/auth/mfa', bearer(token))).body).toMatchObject({
      methods: ['email', 'recovery_code'],
      recovery_codes_left: 10,
    });
    expect((await api.delete('/auth/mfa/email', bearer(token))).status).toBe(200);
    expect((await api.get('/auth/mfa', bearer(token))).body).toMatchObject({
      methods: [],
      recovery_codes_left: 0,
    });
    expect((await api.delete('/auth/mfa/pigeon', bearer(token))).status).toBe(404);
  });
});
