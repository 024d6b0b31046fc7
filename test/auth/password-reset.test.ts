import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { useClock } from '../../src/core/clock';
import { sha256Hex } from '../../src/core/crypto';
import { dynamodbSdk } from '../../src/dev/aws';
import { bearer, client, withKey } from '../support/http';
import { jobsTo, resetTokenFor } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;
let restoreClock: (() => void) | undefined;
const NEW_PASSWORD = 'a brand new passphrase';

beforeAll(async () => {
  site = await createTestTenant({
    settings: { reset_url: 'https://shop.example.com/account/reset?from=email' },
  });
});
afterEach(() => {
  restoreClock?.();
  restoreClock = undefined;
});

const requestReset = (email: string, key = site.apiKey, headers: Record<string, string> = {}) =>
  api.post('/auth/password-reset', { email }, { ...withKey(key), ...headers });
const confirm = (token: string, new_password = NEW_PASSWORD, headers: Record<string, string> = {}) =>
  api.post('/auth/password-reset/confirm', { token, new_password }, headers);
const login = (email: string, password: string) =>
  api.post('/auth/login', { email, password }, withKey(site.apiKey));

describe('password reset', () => {
  it('S18: answers the same for known and unknown emails, and emails only the known one', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    const stranger = uniqueEmail('stranger');
    const known = await requestReset(email);
    const unknown = await requestReset(stranger);
    expect(known.status).toBe(200);
    expect(known.body).toEqual({ message: 'If account exists, reset email sent' });
    expect(unknown.status).toBe(known.status);
    expect(unknown.text).toBe(known.text);
    const [job] = await jobsTo(email, 'password_reset');
    expect(job).toMatchObject({
      client_id: site.tenant.clientId,
      site_id: site.tenant.siteId,
      template: 'password_reset',
      to: email,
    });
    expect(job?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(job?.data).toMatchObject({ expires_minutes: 30, name: 'Test User' });
    expect(await jobsTo(stranger)).toEqual([]);
  });

  it("S20: builds the link from the tenant's reset URL, never the request's Host", async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await requestReset(email, site.apiKey, { host: 'evil.example', 'x-forwarded-host': 'evil.example' });
    const link = new URL((await jobsTo(email, 'password_reset'))[0]?.data.reset_url as string);
    expect(link.origin + link.pathname).toBe('https://shop.example.com/account/reset');
    expect(link.searchParams.get('from')).toBe('email');
  });

  it('S19: the token carries 256 bits and only its SHA-256 is stored, bound to the tenant and user', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await requestReset(email);
    const token = await resetTokenFor(email);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const sdk = dynamodbSdk();
    const ddb = new sdk.DynamoDBClient({});
    const { Item } = await ddb.send(
      new sdk.GetItemCommand({
        TableName: process.env.PASSWORD_RESET_TABLE,
        Key: { reset_token: { S: sha256Hex(token) } },
      }),
    );
    const { Items = [] } = await ddb.send(
      new sdk.ScanCommand({ TableName: process.env.PASSWORD_RESET_TABLE }),
    );
    ddb.destroy();
    expect(Item?.tenant_id?.S).toBe(`${site.tenant.clientId}#${site.tenant.siteId}`);
    expect(Item?.user_id?.S).toBe(`${site.tenant.clientId}#${site.tenant.siteId}#${email}`);
    expect(JSON.stringify(Items)).not.toContain(token);
  });

  it('S21/S16: a request changes nothing; confirming sets the password, ends every session, and mails a notice', async () => {
    const { email, token: sessionToken } = await registerAndLogin(app, site.apiKey);
    await requestReset(email);
    expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
    const res = await confirm(await resetTokenFor(email));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Password reset successful' });
    expect((await login(email, GOOD_PASSWORD)).status).toBe(401);
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
    expect((await api.get('/user/me', bearer(sessionToken))).status).toBe(401);
    expect(await jobsTo(email, 'password_changed')).toHaveLength(1);
  });

  it('S19: a token works once; a used, unknown or expired one gets one clear 400', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await requestReset(email);
    const token = await resetTokenFor(email);
    expect((await confirm(token)).status).toBe(200);
    const reused = await confirm(token, 'yet another passphrase');
    expect(reused.status).toBe(400);
    expect(reused.body).toEqual({
      detail: 'Reset link is invalid or has expired',
      code: 'invalid_reset_token',
    });
    expect((await confirm('A'.repeat(43))).status).toBe(400);

    const second = await registerAndLogin(app, site.apiKey);
    await requestReset(second.email);
    const late = await resetTokenFor(second.email);
    const t = Date.now() + 31 * 60 * 1000;
    restoreClock = useClock({ now: () => t });
    expect((await confirm(late)).status).toBe(400);
  });

  it('S16: a reset link issued before a later password change is dead', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await requestReset(email);
    const older = await resetTokenFor(email);
    await requestReset(email);
    const newer = await resetTokenFor(email);
    expect(newer).not.toBe(older);
    expect((await confirm(newer)).status).toBe(200);
    expect((await confirm(older, 'an entirely different one')).status).toBe(400);
  });

  it('S19: of 50 concurrent confirmations with one token exactly one succeeds', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await requestReset(email);
    const token = await resetTokenFor(email);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => confirm(token, `parallel passphrase ${i}`)),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 400)).toBe(true);
  });

  it('a weak new password is refused with 422 and does not spend the token', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await requestReset(email);
    const token = await resetTokenFor(email);
    const weak = await confirm(token, 'password1');
    expect(weak.status).toBe(422);
    expect(weak.body.errors).toEqual([
      { field: 'new_password', message: 'is too common; choose a less guessable password' },
    ]);
    expect((await confirm(token)).status).toBe(200);
  });

  it("S28: another tenant's key cannot redeem this tenant's token", async () => {
    const other = await createTestTenant();
    const { email } = await registerAndLogin(app, site.apiKey);
    await requestReset(email);
    const token = await resetTokenFor(email);
    expect((await confirm(token, NEW_PASSWORD, withKey(other.apiKey))).status).toBe(400);
    expect((await confirm(token, NEW_PASSWORD, withKey(site.apiKey))).status).toBe(200);
  });

  it('S21: sends at most 3 emails per address per window, then answers the same and sends nothing', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    for (let i = 0; i < 5; i++) expect((await requestReset(email)).status).toBe(200);
    expect(await jobsTo(email, 'password_reset')).toHaveLength(3);
  });

  it('S21: limits requests per source IP with 429', async () => {
    const busy = await createTestTenant({ settings: { reset_url: 'https://x.example/reset' } });
    const statuses = [];
    for (let i = 0; i < 21; i++) statuses.push((await requestReset(uniqueEmail(), busy.apiKey)).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it('completing a reset lifts a login lockout', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    for (let i = 0; i < 3; i++) await login(email, `wrong-${i}`);
    expect((await login(email, GOOD_PASSWORD)).status).toBe(429);
    await requestReset(email);
    expect((await confirm(await resetTokenFor(email))).status).toBe(200);
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
  });
});

describe('POST /auth/password/change', () => {
  it('S5/S16: needs the current password, ends every other session, and returns a new one', async () => {
    const { email, password, token } = await registerAndLogin(app, site.apiKey);
    const other = await login(email, password);
    const wrong = await api.post(
      '/auth/password/change',
      { current_password: 'not it at all', new_password: NEW_PASSWORD },
      bearer(token),
    );
    expect(wrong.status).toBe(403);
    expect(wrong.body.code).toBe('invalid_current_password');
    const res = await api.post(
      '/auth/password/change',
      { current_password: password, new_password: NEW_PASSWORD },
      bearer(token),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      message: 'Password changed',
      token: expect.any(String),
      refresh_token: expect.any(String),
    });
    expect((await api.get('/user/me', bearer(token))).status).toBe(401);
    expect((await api.get('/user/me', bearer(other.body.token))).status).toBe(401);
    expect((await api.get('/user/me', bearer(res.body.token))).status).toBe(200);
    expect((await login(email, NEW_PASSWORD)).status).toBe(200);
    expect(await jobsTo(email, 'password_changed')).toHaveLength(1);
  });

  it('refuses the same password again and weak ones with 422', async () => {
    const { password, token } = await registerAndLogin(app, site.apiKey);
    const same = await api.post(
      '/auth/password/change',
      { current_password: password, new_password: password },
      bearer(token),
    );
    expect(same.status).toBe(422);
    expect(same.body.errors[0]).toEqual({
      field: 'new_password',
      message: 'must differ from the current password',
    });
  });

  it('S5: a body over the size limit is 413 before any hashing', async () => {
    const { token } = await registerAndLogin(app, site.apiKey);
    const res = await api.post(
      '/auth/password/change',
      { current_password: 'x'.repeat(100_000), new_password: 'y' },
      bearer(token),
    );
    expect(res.status).toBe(413);
  });
});
