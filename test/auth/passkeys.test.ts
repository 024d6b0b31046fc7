// Passkeys: registration (recent sign-in, S27) and discoverable sign-in, a single-use 5-minute challenge bound to
// the site and purpose, a cloned authenticator's counter regression refused, and a passkey answering the two-factor
// step after a password (S22), listed among the methods. The RP ID and origins come from the site's settings.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { softAuthenticator } from '../support/soft-authenticator';

process.env.PUBLIC_BASE_URL = 'https://auth.example.com';
const { createApp } = await import('../../src/app');
const { clock } = await import('../../src/core/clock');
const { bearer, client, withKey } = await import('../support/http');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin } = await import('../support/users');

const app = createApp();
const api = client(app);
const ORIGIN = 'https://app.example.com';
type Site = Awaited<ReturnType<typeof createTestTenant>>;
let site: Site;
let secondOnly: Site;
let other: Site;

beforeAll(async () => {
  site = await createTestTenant({ settings: { passkeys: { enabled: true } } });
  secondOnly = await createTestTenant({ settings: { passkeys: { enabled: true, first_factor: false } } });
  other = await createTestTenant({ settings: { passkeys: { enabled: true } } });
});
afterEach(() => vi.restoreAllMocks());

async function withPasskey(s: Site = site) {
  const user = await registerAndLogin(app, s.apiKey);
  const authenticator = softAuthenticator(ORIGIN);
  const options = await api.post('/auth/passkeys/register/options', undefined, bearer(user.token));
  expect(options.status, options.text).toBe(200);
  const registered = await api.post(
    '/auth/passkeys/register/verify',
    { response: authenticator.register(options.body), name: 'Test key' },
    bearer(user.token),
  );
  expect(registered.status, registered.text).toBe(201);
  return { user, authenticator, passkey: registered.body.passkey };
}

const loginOptions = (s: Site = site) =>
  api.post('/auth/passkeys/login/options', undefined, withKey(s.apiKey));
const loginWith = (response: unknown, s: Site = site) =>
  api.post('/auth/passkeys/login/verify', { response }, withKey(s.apiKey));

describe('passkeys', () => {
  it('registers with the site as relying party, then signs in without an email (discoverable)', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const options = await api.post('/auth/passkeys/register/options', undefined, bearer(user.token));
    expect(options.body).toMatchObject({
      rp: { id: 'app.example.com' },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      attestation: 'none',
    });
    // The user handle is opaque: never the email.
    const handle = Buffer.from(options.body.user.id, 'base64url');
    expect(handle).toHaveLength(32);
    expect(handle.toString('latin1')).not.toContain(user.email);
    const authenticator = softAuthenticator(ORIGIN);
    const registered = await api.post(
      '/auth/passkeys/register/verify',
      { response: authenticator.register(options.body), name: 'Laptop' },
      bearer(user.token),
    );
    expect(registered.status).toBe(201);
    const login = await loginOptions();
    expect(login.body.allowCredentials ?? []).toEqual([]);
    const signedIn = await loginWith(authenticator.assert(login.body));
    expect(signedIn.status, signedIn.text).toBe(200);
    expect(signedIn.body.user.email).toBe(user.email);
    const listed = await api.get('/user/passkeys', bearer(signedIn.body.token));
    expect(listed.body.passkeys).toMatchObject([{ name: 'Laptop', last_used_at: expect.any(String) }]);
  });

  it('challenges are single use, expire in 5 minutes, and belong to their site and purpose', async () => {
    const { authenticator } = await withPasskey();
    const options = await loginOptions();
    const assertion = authenticator.assert(options.body);
    expect((await loginWith(assertion)).status).toBe(200);
    expect((await loginWith(authenticator.assert(options.body))).status).toBe(401);
    // Another site's challenge, or a registration challenge, does not sign in here.
    const foreign = await loginOptions(other);
    expect((await loginWith(authenticator.assert(foreign.body))).status).toBe(401);
    const stale = await loginOptions();
    const now = Date.now();
    vi.spyOn(clock, 'now').mockReturnValue(now + 301_000);
    vi.spyOn(clock, 'seconds').mockReturnValue(Math.floor((now + 301_000) / 1000));
    expect((await loginWith(authenticator.assert(stale.body))).status).toBe(401);
  });

  it('a cloned authenticator (its counter going backwards) is refused', async () => {
    const { authenticator } = await withPasskey();
    const cred = authenticator.credentials.at(-1);
    expect((await loginWith(authenticator.assert((await loginOptions()).body, { counter: 5 }))).status).toBe(
      200,
    );
    expect(
      (await loginWith(authenticator.assert((await loginOptions()).body, { credential: cred, counter: 3 })))
        .status,
    ).toBe(401);
    expect((await loginWith(authenticator.assert((await loginOptions()).body, { counter: 5 }))).status).toBe(
      401,
    );
    expect((await loginWith(authenticator.assert((await loginOptions()).body, { counter: 6 }))).status).toBe(
      200,
    );
  });

  it('50 sign-ins with one assertion at once: exactly one session', async () => {
    const { authenticator } = await withPasskey();
    const assertion = authenticator.assert((await loginOptions()).body);
    const answers = await Promise.all(Array.from({ length: 50 }, () => loginWith(assertion)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 401)).toHaveLength(49);
  });

  it('a signature from another origin or for another RP ID is refused', async () => {
    const { authenticator } = await withPasskey();
    const evil = softAuthenticator('https://evil.example.net');
    evil.credentials.push(...authenticator.credentials);
    expect((await loginWith(evil.assert((await loginOptions()).body))).status).toBe(401);
    const options = (await loginOptions()).body;
    expect((await loginWith(authenticator.assert({ ...options, rpId: 'evil.example.net' }))).status).toBe(
      401,
    );
  });

  it('S22: as a second factor a passkey answers mfa_required after the password, and is listed among the methods', async () => {
    const { user, authenticator } = await withPasskey(secondOnly);
    // First factor off here: the passkey alone does not sign in.
    expect((await loginOptions(secondOnly)).status).toBe(403);
    const step = await api.post(
      '/auth/login',
      { email: user.email, password: user.password },
      withKey(secondOnly.apiKey),
    );
    expect(step.body).toMatchObject({ mfa_required: true, methods: ['passkey'] });
    expect(step.body.token).toBeUndefined();
    const challenge = await api.post('/auth/mfa/challenge', {
      mfa_token: step.body.mfa_token,
      method: 'passkey',
    });
    expect(challenge.status, challenge.text).toBe(200);
    expect(challenge.body.options.allowCredentials).toHaveLength(1);
    const verified = await api.post('/auth/mfa/verify', {
      mfa_token: step.body.mfa_token,
      passkey: authenticator.assert(challenge.body.options),
    });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.user.email).toBe(user.email);
    // A login challenge does not answer the MFA step, and another user's passkey does not either.
    const step2 = await api.post(
      '/auth/login',
      { email: user.email, password: user.password },
      withKey(secondOnly.apiKey),
    );
    const stranger = await withPasskey(secondOnly);
    const ch2 = await api.post('/auth/mfa/challenge', { mfa_token: step2.body.mfa_token, method: 'passkey' });
    const wrong = await api.post('/auth/mfa/verify', {
      mfa_token: step2.body.mfa_token,
      passkey: stranger.authenticator.assert(ch2.body.options),
    });
    expect(wrong.status).toBe(401);
  });

  it('S27: registering needs a recent sign-in; removing keeps the last way in and ends other sessions', async () => {
    const { user, passkey, authenticator } = await withPasskey();
    const now = Date.now();
    vi.spyOn(clock, 'now').mockReturnValue(now + 11 * 60_000);
    vi.spyOn(clock, 'seconds').mockReturnValue(Math.floor((now + 11 * 60_000) / 1000));
    const late = await api.post('/auth/passkeys/register/options', undefined, bearer(user.token));
    expect(late.status).toBe(403);
    expect(late.body.code).toBe('reauthentication_required');
    vi.restoreAllMocks();
    const elsewhere = await loginWith(authenticator.assert((await loginOptions()).body));
    expect((await api.get('/user/me', bearer(elsewhere.body.token))).status).toBe(200);
    expect((await api.delete(`/user/passkeys/${passkey.id}`, bearer(user.token))).status).toBe(200);
    // S16: another session ends with the change; this one goes on.
    expect((await api.get('/user/me', bearer(elsewhere.body.token))).status).toBe(401);
    expect((await api.get('/user/me', bearer(user.token))).status).toBe(200);
    expect((await api.delete(`/user/passkeys/${passkey.id}`, bearer(user.token))).status).toBe(404);
    expect((await api.get('/user/passkeys', bearer(user.token))).body.passkeys).toEqual([]);
  });

  it('refuses where the site has passkeys off, and bad input', async () => {
    const plain = await createTestTenant();
    const user = await registerAndLogin(app, plain.apiKey);
    expect((await api.post('/auth/passkeys/register/options', undefined, bearer(user.token))).status).toBe(
      403,
    );
    expect((await loginOptions(plain)).status).toBe(403);
    for (const body of [
      {},
      { response: {} },
      { response: { id: 'a', rawId: 'a', type: 'x', response: {} } },
      { response: 'x' },
    ]) {
      const res = await api.post('/auth/passkeys/login/verify', body, withKey(site.apiKey));
      expect(res.status).toBe(422);
    }
    const garbage = {
      id: 'AAAA',
      rawId: 'AAAA',
      type: 'public-key',
      response: { clientDataJSON: 'bm90IGpzb24', authenticatorData: 'AAAA', signature: 'AAAA' },
      clientExtensionResults: {},
    };
    expect((await loginWith(garbage)).status).toBe(401);
  });
});
