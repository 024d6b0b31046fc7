import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { getUser } from '../../src/core/db/users';
import { client, withKey } from '../support/http';
import { jobsTo } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;

beforeAll(async () => {
  site = await createTestTenant({ name: 'Acme Shop' });
});

const register = (body: unknown, key = site.apiKey) => api.post('/auth/register', body, withKey(key));
const login = (email: string, password: string) =>
  api.post('/auth/login', { email, password }, withKey(site.apiKey));

describe('POST /auth/register', () => {
  it("answers the seed's body, with the email trimmed and lower-cased into user_id", async () => {
    const email = uniqueEmail();
    const res = await register({
      email: `  ${email.toUpperCase()} `,
      password: 'S3cur3Pass!x',
      name: 'Example User',
    });
    expect(res.status).toBe(201);
    const { clientId, siteId } = site.tenant;
    expect(res.body).toEqual({
      message: 'Registration successful',
      user: { user_id: `${clientId}#${siteId}#${email}`, email, name: 'Example User' },
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await login(email, 'S3cur3Pass!x')).status).toBe(200);
  });

  it('makes name optional', async () => {
    const res = await register({ email: uniqueEmail(), password: GOOD_PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body.user.name).toBe('');
  });

  it('S1: needs 8 code points, counts emoji as one each, and accepts 64+ characters', async () => {
    const short = await register({ email: uniqueEmail(), password: 'Tr0ub4d' });
    expect(short.status).toBe(422);
    expect(short.body).toEqual({
      detail: 'Request validation failed',
      code: 'validation_error',
      errors: [{ field: 'password', message: 'must be at least 8 characters' }],
    });
    // Seven emoji are 14 UTF-16 units but 7 characters.
    expect((await register({ email: uniqueEmail(), password: '🦊🐙🦄🐝🦋🐢🦀' })).status).toBe(422);
    expect((await register({ email: uniqueEmail(), password: '🦊🐙🦄🐝🦋🐢🦀🐬' })).status).toBe(201);
    expect((await register({ email: uniqueEmail(), password: 'a long passphrase '.repeat(8) })).status).toBe(
      201,
    );
    expect((await register({ email: uniqueEmail(), password: 'x'.repeat(257) })).status).toBe(422);
  });

  it('S1: a tenant may require 15 characters', async () => {
    const strict = await createTestTenant({ settings: { password_min_length: 15 } });
    const res = await register({ email: uniqueEmail(), password: 'fourteen chars' }, strict.apiKey);
    expect(res.status).toBe(422);
    expect(res.body.errors[0].message).toBe('must be at least 15 characters');
    expect(
      (await register({ email: uniqueEmail(), password: 'fifteen chars!!' }, strict.apiKey)).status,
    ).toBe(201);
  });

  it('S2: stores the password exactly as sent: spaces count, case counts', async () => {
    const email = uniqueEmail();
    expect((await register({ email, password: ' Spaced Out Pass ' })).status).toBe(201);
    expect((await login(email, 'Spaced Out Pass')).status).toBe(401);
    expect((await login(email, ' spaced out pass ')).status).toBe(401);
    expect((await login(email, ' Spaced Out Pass ')).status).toBe(200);
  });

  it('S3: refuses common passwords (any case), the email address and the site name, with a reason', async () => {
    for (const password of ['iloveyou', 'PASSWORD1', 'Sunshine', 'qwertyuiop']) {
      const res = await register({ email: uniqueEmail(), password });
      expect(res.status, password).toBe(422);
      expect(res.body.errors[0].message).toBe('is too common; choose a less guessable password');
    }
    const email = uniqueEmail();
    expect((await register({ email, password: email })).body.errors[0].message).toMatch(
      /email address or the site name/,
    );
    expect((await register({ email: uniqueEmail(), password: 'acme shop' })).status).toBe(422);
  });

  it('S6: an existing email gets the same answer, the owner gets a notice, and the account is untouched', async () => {
    const email = uniqueEmail('owner');
    const first = await register({ email, password: GOOD_PASSWORD, name: 'Owner' });
    const again = await register({ email, password: 'another fine passphrase', name: 'Owner' });
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    const headerNames = (h: Headers) => [...h.keys()].filter((k) => k !== 'x-request-id').sort();
    expect(headerNames(again.headers)).toEqual(headerNames(first.headers));
    expect((await login(email, GOOD_PASSWORD)).status).toBe(200);
    expect((await login(email, 'another fine passphrase')).status).toBe(401);
    const notices = await jobsTo(email, 'existing_account');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      client_id: site.tenant.clientId,
      site_id: site.tenant.siteId,
      to: email,
    });
  });

  it('S6: registering a taken address over and over mails its owner at most 3 notices an hour, answering the same', async () => {
    const own = await createTestTenant();
    const email = uniqueEmail('bombed');
    const first = await register({ email, password: GOOD_PASSWORD }, own.apiKey);
    const answers = [];
    for (let i = 0; i < 6; i++) {
      answers.push(await register({ email, password: `another passphrase ${i}` }, own.apiKey));
    }
    for (const a of answers) expect(a.body).toEqual(first.body);
    expect(await jobsTo(email, 'existing_account')).toHaveLength(3);
  });

  it('S6: a tenant may choose 409 for duplicates instead', async () => {
    const open = await createTestTenant({ settings: { duplicate_email: 'conflict' } });
    const email = uniqueEmail();
    expect((await register({ email, password: GOOD_PASSWORD }, open.apiKey)).status).toBe(201);
    const dup = await register({ email, password: GOOD_PASSWORD }, open.apiKey);
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ detail: 'An account with this email already exists', code: 'email_taken' });
  });

  it('S33/S29: ignores role, tenant, verification and prototype fields in the body', async () => {
    const email = uniqueEmail();
    const body = `{"email":"${email}","password":"${GOOD_PASSWORD}","name":"Mallory","role":"admin","roles":["platform_admin"],"is_admin":true,"client_id":"Other","site_id":"Other","user_id":"Other#Other#x","email_verified":true,"status":"active","mfa":{"enabled":true},"__proto__":{"polluted":true}}`;
    const res = await api.post('/auth/register', body, withKey(site.apiKey));
    expect(res.status).toBe(201);
    expect(res.body.user.user_id).toBe(`${site.tenant.clientId}#${site.tenant.siteId}#${email}`);
    const user = await getUser(res.body.user.user_id);
    expect(user).toMatchObject({
      roles: [],
      emailVerified: false,
      clientId: site.tenant.clientId,
      siteId: site.tenant.siteId,
    });
    expect(await getUser(`Other#Other#${email}`)).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 422 with a message per invalid field', async () => {
    const res = await register({ email: 'not an email', password: 42, name: 'A\u202eB' });
    expect(res.status).toBe(422);
    const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['email', 'name', 'password']);
  });

  it('S30: needs a valid API key', async () => {
    const res = await api.post('/auth/register', { email: uniqueEmail(), password: GOOD_PASSWORD });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_api_key');
  });
});
