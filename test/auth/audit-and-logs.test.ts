import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { totpAt } from '../../src/auth/mfa/totp';
import { listAuditEvents } from '../../src/core/db/audit-log';
import { logger } from '../../src/core/log';
import { lambdaContext } from '../../src/dev/lambda-context';
import { createSmsWorker } from '../../src/sms/worker';
import { bearer, client, withKey } from '../support/http';
import { captureOutput } from '../support/logs';
import { emailCodeFor, resetTokenFor, smsCodeFor, smsJobs } from '../support/queued-jobs';
import { sqsEventOf } from '../support/sqs-events';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;
let captured = '';
const secrets: string[] = [];
const PASSWORD = 'first secret passphrase';
const NEW_PASSWORD = 'second secret passphrase';
const CHANGED_PASSWORD = 'third secret passphrase';
const email = uniqueEmail('audited');
const UA = 'AuditTest/1.0';
const PHONE = '+14155550777';

/** Runs the whole account lifecycle with every log line captured at DEBUG level. */
beforeAll(async () => {
  site = await createTestTenant({ settings: { reset_url: 'https://audited.example/reset' } });
  secrets.push(site.apiKey, PASSWORD, NEW_PASSWORD, CHANGED_PASSWORD);
  captured = await captureOutput(async () => {
    const h = { ...withKey(site.apiKey), 'user-agent': UA };
    await api.post('/auth/register', { email, password: PASSWORD, name: 'Audited' }, h);
    await api.post('/auth/login', { email, password: 'wrong guess here' }, h);
    const login = await api.post('/auth/login', { email, password: PASSWORD }, h);
    secrets.push(login.body.token, login.body.refresh_token);
    const rotated = await api.post('/auth/token/refresh', { refresh_token: login.body.refresh_token }, h);
    secrets.push(rotated.body.token, rotated.body.refresh_token);
    await api.post('/auth/token/refresh', { refresh_token: login.body.refresh_token }, h); // replay
    await api.post('/auth/password-reset', { email }, h);
    const resetToken = await resetTokenFor(email);
    secrets.push(resetToken);
    await api.post(
      '/auth/password-reset/confirm',
      { token: resetToken, new_password: NEW_PASSWORD },
      { 'user-agent': UA },
    );
    const again = await api.post('/auth/login', { email, password: NEW_PASSWORD }, h);
    secrets.push(again.body.token, again.body.refresh_token);
    const changed = await api.post(
      '/auth/password/change',
      { current_password: NEW_PASSWORD, new_password: CHANGED_PASSWORD },
      { ...bearer(again.body.token), 'user-agent': UA },
    );
    secrets.push(changed.body.token, changed.body.refresh_token);
    // Two-factor: the seed, a code, the recovery codes and the challenge token must not be logged either.
    const auth = { ...bearer(changed.body.token), 'user-agent': UA };
    const setup = await api.post('/auth/mfa/totp/setup', undefined, auth);
    const firstCode = await totpAt(setup.body.secret, Math.floor(Date.now() / 1000));
    const activated = await api.post('/auth/mfa/totp/activate', { code: firstCode }, auth);
    secrets.push(setup.body.secret, firstCode, ...activated.body.recovery_codes);
    const challenge = await api.post('/auth/login', { email, password: CHANGED_PASSWORD }, h);
    secrets.push(challenge.body.mfa_token);
    const viaRecovery = await api.post(
      '/auth/mfa/verify',
      { mfa_token: challenge.body.mfa_token, recovery_code: activated.body.recovery_codes[0] },
      { 'user-agent': UA },
    );
    secrets.push(viaRecovery.body.token, viaRecovery.body.refresh_token);
    // SMS and email codes (S25) and the phone number, through the API and the SMS worker.
    const signedIn = { ...bearer(viaRecovery.body.token), 'user-agent': UA };
    await api.post('/auth/mfa/sms/setup', { phone: PHONE }, signedIn);
    const smsEnrollCode = await smsCodeFor(PHONE);
    await api.post('/auth/mfa/sms/activate', { code: smsEnrollCode }, signedIn);
    await api.post('/auth/mfa/email/setup', undefined, signedIn);
    const emailEnrollCode = await emailCodeFor(email);
    await api.post('/auth/mfa/email/activate', { code: emailEnrollCode }, signedIn);
    const bySms = await api.post('/auth/login', { email, password: CHANGED_PASSWORD }, h);
    await api.post('/auth/mfa/challenge', { mfa_token: bySms.body.mfa_token, method: 'sms' }, h);
    const smsLoginCode = await smsCodeFor(PHONE);
    await api.post('/auth/mfa/verify', { mfa_token: bySms.body.mfa_token, code: smsLoginCode }, h);
    secrets.push(smsEnrollCode, emailEnrollCode, smsLoginCode, PHONE, PHONE.slice(1));
    const texts = await smsJobs();
    await createSmsWorker()(
      sqsEventOf(texts.map(({ job }) => ({ id: job.id, body: JSON.stringify(job) }))),
      lambdaContext('SmsWorkerFunction'),
    );
    await api.post('/auth/logout', undefined, { ...bearer(changed.body.token), 'user-agent': UA });
    await api.get('/nope%0D%0AInjected:%20yes');
  });
});

afterAll(() => logger.setLogLevel('ERROR'));

describe('S42: audit trail', () => {
  it('records each security event with time, tenant, user, IP, user agent and outcome', async () => {
    const events = await listAuditEvents(`${site.tenant.clientId}#${site.tenant.siteId}`);
    const names = events.map((e) => `${e.event}:${e.outcome}`);
    for (const expected of [
      'user_created:success',
      'authn_login_fail:failure',
      'authn_login_success:success',
      'authn_token_reuse:failure',
      'authn_password_reset_request:success',
      'authn_password_reset_complete:success',
      'authn_password_change:success',
      'authn_token_revoked:success',
      'mfa_enrolled:success',
      'mfa_recovery_code_used:success',
    ]) {
      expect(names).toContain(expected);
    }
    const userId = `${site.tenant.clientId}#${site.tenant.siteId}#${email}`;
    for (const e of events) {
      expect(e.userId).toBe(userId);
      expect(e.userAgent).toBe(UA);
      expect(e.ip).toEqual(expect.any(String));
      expect(Date.parse(e.time)).not.toBeNaN();
    }
    expect(events.find((e) => e.event === 'authn_login_fail')?.detail).toEqual({ reason: 'wrong_password' });
  });
});

describe('S43: logs', () => {
  it('were written (the capture worked)', () => {
    expect(captured).toContain('"audit_event":"authn_login_success"');
    expect(captured).toContain('"audit_event":"mfa_challenge_sent"');
    expect(captured).toContain('"message":"SMS sent"');
  });

  it('never contain a password, token, refresh token, reset token, API key, MFA code or phone number', () => {
    const all = captured;
    for (const secret of secrets) {
      expect(secret, 'a secret was not captured by the flow').toBeTruthy();
      expect(all.includes(secret), `leaked: ${secret.slice(0, 12)}...`).toBe(false);
    }
  });

  it('are one JSON object per line: CR/LF in request input is escaped, never a new line', () => {
    const lines = captured.split('\n').filter((l) => l.trim());
    for (const line of lines) expect(() => JSON.parse(line), line.slice(0, 120)).not.toThrow();
    expect(lines.some((l) => /^Injected/.test(l))).toBe(false);
  });
});
