// Sign-in with Google (a real local OIDC server) and GitHub (a fake of its OAuth app and API): PKCE, state and nonce
// single use and bound to the site; the ID token checked (signature, iss, aud, exp, nonce); explicit account
// linking, so a provider account cannot take over a password account with the same email; MFA after it (S22);
// client secrets in Secrets Manager (S46).
import { createHash } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpAt } from '../../src/auth/mfa/totp';
import {
  GITHUB_CLIENT,
  GOOGLE_CLIENT,
  signInAtProvider,
  startProviders,
  type Who,
} from '../support/oauth-providers';

const PUBLIC = 'https://auth.example.com';
process.env.PUBLIC_BASE_URL = PUBLIC;
const providers = await startProviders(PUBLIC);
const { createApp } = await import('../../src/app');
const { clientSecrets } = await import('../../src/auth/oauth/secrets');
const { verifyIdToken } = await import('../../src/auth/oauth/providers');
const { getUser, userIdOf } = await import('../../src/core/db/users');
const { bearer, client, withKey } = await import('../support/http');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin, uniqueEmail } = await import('../support/users');

const app = createApp();
const api = client(app);
const PAGE = 'https://app.example.com/signed-in';
const oauthSettings = (extra: Record<string, unknown> = {}) => ({
  oauth: {
    google: { enabled: true, client_id: GOOGLE_CLIENT.id },
    github: { enabled: true, client_id: GITHUB_CLIENT.id },
    ...extra,
  },
});
type Site = Awaited<ReturnType<typeof createTestTenant>>;
let site: Site;
let other: Site;
let trusting: Site;

async function configured(settings: Record<string, unknown>): Promise<Site> {
  const s = await createTestTenant({ settings });
  await clientSecrets.save(s.tenant.id, GOOGLE_CLIENT.secret, 'google');
  await clientSecrets.save(s.tenant.id, GITHUB_CLIENT.secret, 'github');
  return s;
}

beforeAll(async () => {
  site = await configured(oauthSettings());
  other = await configured(oauthSettings());
  trusting = await configured(oauthSettings({ link_verified_emails: true }));
});
afterAll(() => providers.close());

const start = (provider: string, s: Site = site, body: Record<string, unknown> = {}) =>
  api.post(`/auth/oauth/${provider}/start`, { redirect_uri: PAGE, ...body }, withKey(s.apiKey));

/** Start, sign in at the provider, come back: the URL the callback sends the browser to. */
async function roundTrip(provider: 'google' | 'github', who: Who, s: Site = site, body = {}) {
  const started = await start(provider, s, body);
  expect(started.status, started.text).toBe(200);
  const callback = await signInAtProvider(started.body.url, who);
  expect(callback.origin + callback.pathname).toBe(`${PUBLIC}/auth/oauth/${provider}/callback`);
  const back = await app.request(callback.pathname + callback.search);
  return { back, callback, location: new URL(back.headers.get('location') ?? 'about:blank') };
}

const fragmentOf = (location: URL) => new URLSearchParams(location.hash.slice(1));
const exchange = (code: string, s: Site = site, extra: Record<string, unknown> = {}) =>
  api.post('/auth/oauth/exchange', { code, ...extra }, withKey(s.apiKey));

async function signInWith(provider: 'google' | 'github', who: Who, s: Site = site) {
  const { location } = await roundTrip(provider, who, s);
  return exchange(fragmentOf(location).get('oauth_code') as string, s);
}

describe('OAuth sign-in', () => {
  it('Google: a new verified address signs up and in; the next sign-in is the same account; tokens never in a URL', async () => {
    const email = uniqueEmail('google');
    const { back, location } = await roundTrip('google', { email, name: 'Gia Google' });
    expect(back.status).toBe(302);
    expect(back.headers.get('referrer-policy')).toBe('no-referrer');
    expect(location.origin + location.pathname).toBe(PAGE);
    expect(location.search).toBe('');
    const code = fragmentOf(location).get('oauth_code') as string;
    expect(code).toMatch(/^[\w-]{43}$/);
    const first = await exchange(code);
    expect(first.status, first.text).toBe(200);
    expect(first.body).toMatchObject({ token: expect.any(String), user: { email, name: 'Gia Google' } });
    const me = await api.get('/user/me', bearer(first.body.token));
    expect(me.body.user.email).toBe(email);
    const user = await getUser(userIdOf(site.tenant.clientId, site.tenant.siteId, email));
    expect(user).toMatchObject({ emailVerified: true, passwordHash: '', linkedCount: 1 });
    // Password sign-in to a provider-made account fails like any wrong password (S6).
    const pw = await api.post('/auth/login', { email, password: 'anything at all' }, withKey(site.apiKey));
    expect(pw.status).toBe(401);
    const again = await signInWith('google', { email });
    expect(again.body.user.user_id).toBe(first.body.user.user_id);
    const ids = await api.get('/user/identities', bearer(again.body.token));
    expect(ids.body).toMatchObject({ has_password: false, identities: [{ provider: 'google', email }] });
  });

  it('GitHub: the verified primary email from its API; an unverified one signs nobody in and creates nothing', async () => {
    const email = uniqueEmail('github');
    const signedIn = await signInWith('github', { email, login: 'octo-one' });
    expect(signedIn.status, signedIn.text).toBe(200);
    expect(signedIn.body.user).toMatchObject({ email, name: 'octo-one' });

    const unverified = uniqueEmail('unverified');
    const refused = await signInWith('github', { email: unverified, login: 'octo-two', unverified: true });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('email_not_verified');
    expect(await getUser(userIdOf(site.tenant.clientId, site.tenant.siteId, unverified))).toBeUndefined();
  });

  it('PKCE and nonce go to the provider; the state is single use and only for its provider', async () => {
    const started = await start('google');
    const url = new URL(started.body.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(started.body.url).not.toContain(site.apiKey);

    const { callback } = await roundTrip('google', { email: uniqueEmail('replay') });
    const replay = await app.request(callback.pathname + callback.search);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { code: string }).code).toBe('invalid_oauth_state');

    // A Google state presented at GitHub's callback is not GitHub's; and it is not spent by trying.
    const fresh = await start('google');
    const state = new URL(fresh.body.url).searchParams.get('state');
    const wrong = await app.request(`/auth/oauth/github/callback?state=${state}&code=x`);
    expect(wrong.status).toBe(400);
    const unknown = await app.request('/auth/oauth/google/callback?state=made-up&code=x');
    expect(unknown.status).toBe(400);
    const none = await app.request('/auth/oauth/google/callback?code=x');
    expect(none.status).toBe(400);
  });

  it("a code is single use, this site's only, and (with the site's own challenge) only for the browser that started", async () => {
    const { location } = await roundTrip('google', { email: uniqueEmail('code') });
    const code = fragmentOf(location).get('oauth_code') as string;
    // S28: another site's key cannot spend it, and trying leaves it for its own site.
    expect((await exchange(code, other)).status).toBe(400);
    expect((await exchange(code)).status).toBe(200);
    expect((await exchange(code)).status).toBe(400);

    const verifier = 'v'.repeat(20) + Math.random().toString(36).slice(2).padEnd(30, 'x');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const bound = await roundTrip('google', { email: uniqueEmail('bound') }, site, {
      code_challenge: challenge,
    });
    const boundCode = fragmentOf(bound.location).get('oauth_code') as string;
    expect((await exchange(boundCode)).status).toBe(400);
    // Spent by the wrong attempt: a code that reached another browser is dead.
    expect((await exchange(boundCode, site, { code_verifier: verifier })).status).toBe(400);
    const bound2 = await roundTrip('google', { email: uniqueEmail('bound') }, site, {
      code_challenge: challenge,
    });
    const ok = await exchange(fragmentOf(bound2.location).get('oauth_code') as string, site, {
      code_verifier: verifier,
    });
    expect(ok.status, ok.text).toBe(200);
  });

  it('50 exchanges of one code at once: exactly one signs in', async () => {
    const { location } = await roundTrip('github', { email: uniqueEmail('race'), login: 'octo-race' });
    const code = fragmentOf(location).get('oauth_code') as string;
    const answers = await Promise.all(Array.from({ length: 50 }, () => exchange(code)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400)).toHaveLength(49);
  });

  it('a denied consent or a refused client secret (S46) comes back as an error in the fragment, signing nobody in', async () => {
    const started = await start('github');
    const state = new URL(started.body.url).searchParams.get('state');
    const denied = await app.request(`/auth/oauth/github/callback?state=${state}&error=access_denied`);
    expect(denied.status).toBe(302);
    expect(fragmentOf(new URL(denied.headers.get('location') as string)).get('oauth_error')).toBe(
      'access_denied',
    );

    const wrongSecret = await configured(oauthSettings());
    await clientSecrets.save(wrongSecret.tenant.id, 'not-the-secret', 'github');
    const { location } = await roundTrip('github', { email: uniqueEmail('secret') }, wrongSecret);
    expect(fragmentOf(location).get('oauth_error')).toBe('provider_refused');
    expect(location.hash).not.toContain('not-the-secret');
  });

  it('refuses a provider the site does not offer, a page off its origins, and bad input', async () => {
    const plain = await createTestTenant();
    expect((await start('google', plain)).status).toBe(403);
    expect((await start('google', plain)).body.code).toBe('provider_disabled');
    const offsite = await api.post(
      '/auth/oauth/google/start',
      { redirect_uri: 'https://evil.example.net/cb' },
      withKey(site.apiKey),
    );
    expect(offsite.status).toBe(422);
    for (const body of [{}, { redirect_uri: 5 }, { redirect_uri: PAGE, code_challenge: 'short' }, '[]']) {
      const res = await api.post('/auth/oauth/google/start', body, withKey(site.apiKey));
      expect([400, 422]).toContain(res.status);
    }
    expect(
      (await api.post('/auth/oauth/facebook/start', { redirect_uri: PAGE }, withKey(site.apiKey))).status,
    ).toBe(404);
    expect((await api.post('/auth/oauth/exchange', { code: '' }, withKey(site.apiKey))).status).toBe(422);
    expect((await api.post('/auth/oauth/exchange', { code: 'x' })).status).toBe(401);
  });
});

describe('ID token checks', () => {
  const discovery = async () =>
    (await (await fetch(`${providers.base}/dev/google/.well-known/openid-configuration`)).json()) as {
      issuer: string;
      jwks_uri: string;
    };
  async function idToken(claims: Record<string, unknown>, key = providers.google.signingKey) {
    const { issuer } = await discovery();
    return new SignJWT({ email: 'x@example.com', email_verified: true, nonce: 'n-1', ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: 'local-google' })
      .setIssuer((claims.iss as string) ?? issuer)
      .setAudience((claims.aud as string) ?? GOOGLE_CLIENT.id)
      .setSubject('12345')
      .setIssuedAt()
      .setExpirationTime((claims.exp as number) ?? '5m')
      .sign(await importJWK(key as never, 'RS256'));
  }
  const check = async (token: string) => {
    const { issuer, jwks_uri } = await discovery();
    return verifyIdToken(token, { issuer, jwksUri: jwks_uri, clientId: GOOGLE_CLIENT.id, nonce: 'n-1' });
  };

  it("accepts the provider's own token, and refuses a tampered one, a wrong aud, a wrong nonce, a wrong issuer, an expired one", async () => {
    await expect(check(await idToken({}))).resolves.toMatchObject({ subject: '12345', emailVerified: true });
    const good = await idToken({});
    const [h, p, s] = good.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: '666' })).toString('base64url')}.${s}`;
    await expect(check(tampered)).rejects.toThrow(/signature/);
    await expect(check(await idToken({ aud: 'another-client' }))).rejects.toThrow(/aud/);
    await expect(check(await idToken({ nonce: 'n-2' }))).rejects.toThrow(/nonce/);
    await expect(check(await idToken({ iss: 'https://evil.example.net' }))).rejects.toThrow(/iss/);
    await expect(check(await idToken({ exp: Math.floor(Date.now() / 1000) - 300 }))).rejects.toThrow(/exp/);
    const { generateKeyPairSync } = await import('node:crypto');
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    await expect(check(await idToken({}, stranger as never))).rejects.toThrow(/signature/);
  });
});

describe('account linking', () => {
  it('a provider account with a password account’s email does not sign in to it: the owner proves the account to link', async () => {
    const victim = await registerAndLogin(app, site.apiKey);
    const attempt = await signInWith('google', { email: victim.email, name: 'Mallory' });
    expect(attempt.status).toBe(200);
    expect(attempt.body).toMatchObject({ link_required: true, provider: 'google', email: victim.email });
    expect(attempt.body.token).toBeUndefined();
    const linkToken = attempt.body.link_token as string;
    // A wrong password links nothing (and counts as a failed sign-in).
    const wrong = await api.post(
      '/auth/oauth/link',
      { link_token: linkToken, password: 'not it' },
      withKey(site.apiKey),
    );
    expect(wrong.status).toBe(401);
    const again = await signInWith('google', { email: victim.email });
    expect(again.body.link_required).toBe(true);
    // The owner's password links and signs in; from then on the provider signs in directly.
    const linked = await api.post(
      '/auth/oauth/link',
      { link_token: linkToken, password: victim.password },
      withKey(site.apiKey),
    );
    expect(linked.status, linked.text).toBe(200);
    expect(linked.body.user.email).toBe(victim.email);
    expect(
      (
        await api.post(
          '/auth/oauth/link',
          { link_token: linkToken, password: victim.password },
          withKey(site.apiKey),
        )
      ).status,
    ).toBe(400);
    const direct = await signInWith('google', { email: victim.email });
    expect(direct.body.user.email).toBe(victim.email);
  });

  it('or the owner, signed in (by a sign-in link, say), confirms it without a password', async () => {
    const owner = await registerAndLogin(app, site.apiKey);
    const attempt = await signInWith('github', { email: owner.email, login: 'octo-owner' });
    const stranger = await registerAndLogin(app, site.apiKey);
    const wrongAccount = await api.post(
      '/auth/oauth/link',
      { link_token: attempt.body.link_token },
      bearer(stranger.token),
    );
    expect(wrongAccount.status).toBe(403);
    const ok = await api.post(
      '/auth/oauth/link',
      { link_token: attempt.body.link_token },
      bearer(owner.token),
    );
    expect(ok.body).toEqual({ linked: true, provider: 'github' });
  });

  it('where the site trusts verified provider emails, they link and sign in', async () => {
    const owner = await registerAndLogin(app, trusting.apiKey);
    const signedIn = await signInWith('google', { email: owner.email }, trusting);
    expect(signedIn.body.user.email).toBe(owner.email);
    // Unverified addresses never link, whatever the site says.
    const other = await registerAndLogin(app, trusting.apiKey);
    const refused = await signInWith(
      'github',
      { email: other.email, unverified: true, login: 'octo-x' },
      trusting,
    );
    expect(refused.status).toBe(403);
  });

  it('a signed-in user links a provider (S27: recently signed in) and lists and unlinks it; the last way in stays', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const started = await api.post('/user/identities/github', { redirect_uri: PAGE }, bearer(user.token));
    expect(started.status).toBe(200);
    const callback = await signInAtProvider(started.body.url, {
      email: uniqueEmail('any'),
      login: 'octo-link',
    });
    const back = await app.request(callback.pathname + callback.search);
    const linked = await exchange(
      fragmentOf(new URL(back.headers.get('location') as string)).get('oauth_code') as string,
    );
    expect(linked.body).toEqual({ linked: true, provider: 'github' });
    const list = await api.get('/user/identities', bearer(user.token));
    expect(list.body.identities).toHaveLength(1);
    const id = list.body.identities[0].id as string;
    expect((await api.delete(`/user/identities/${encodeURIComponent(id)}`, bearer(user.token))).status).toBe(
      200,
    );
    expect((await api.delete(`/user/identities/${encodeURIComponent(id)}`, bearer(user.token))).status).toBe(
      404,
    );

    // A provider-only account keeps its last way in, even under 50 concurrent unlinks of its two.
    const email = uniqueEmail('only');
    const first = await signInWith('google', { email });
    const token = first.body.token as string;
    const link = await api.post('/user/identities/github', { redirect_uri: PAGE }, bearer(token));
    const cb = await signInAtProvider(link.body.url, { email, login: 'octo-only' });
    const cbBack = await app.request(cb.pathname + cb.search);
    await exchange(fragmentOf(new URL(cbBack.headers.get('location') as string)).get('oauth_code') as string);
    const ids = (await api.get('/user/identities', bearer(token))).body.identities as { id: string }[];
    expect(ids).toHaveLength(2);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        api.delete(`/user/identities/${encodeURIComponent(ids[i % 2]?.id ?? '')}`, bearer(token)),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).length).toBeGreaterThan(0);
    expect((await api.get('/user/identities', bearer(token))).body.identities).toHaveLength(1);
  });

  it("another user's identity is not found, and one provider account cannot be linked to two users", async () => {
    const a = await signInWith('google', { email: uniqueEmail('a') });
    const aIds = (await api.get('/user/identities', bearer(a.body.token))).body.identities as {
      id: string;
    }[];
    const b = await registerAndLogin(app, site.apiKey);
    expect(
      (await api.delete(`/user/identities/${encodeURIComponent(aIds[0]?.id ?? '')}`, bearer(b.token))).status,
    ).toBe(404);
    expect((await api.delete('/user/identities/facebook:1', bearer(b.token))).status).toBe(404);
    const started = await api.post('/user/identities/google', { redirect_uri: PAGE }, bearer(b.token));
    const email = (await getUser(a.body.user.user_id))?.email as string;
    const cb = await signInAtProvider(started.body.url, { email });
    const back = await app.request(cb.pathname + cb.search);
    const res = await exchange(
      fragmentOf(new URL(back.headers.get('location') as string)).get('oauth_code') as string,
    );
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('identity_in_use');
  });
});

describe('MFA after OAuth', () => {
  it('S22: a user with a second factor gets the mfa_required step, no session', async () => {
    const email = uniqueEmail('mfa');
    const first = await signInWith('google', { email });
    const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(first.body.token));
    const code = await totpAt(setup.body.secret, Math.floor(Date.now() / 1000));
    expect((await api.post('/auth/mfa/totp/activate', { code }, bearer(first.body.token))).status).toBe(200);
    const second = await signInWith('google', { email });
    expect(second.body).toMatchObject({ mfa_required: true, methods: expect.arrayContaining(['totp']) });
    expect(second.body.token).toBeUndefined();
    expect(second.headers.get('set-cookie')).toBeNull();
  });
});
