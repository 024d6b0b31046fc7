// Sign-in by emailed link: same answer for every address (S6, S18), a single-use 256-bit token stored hashed
// (S14, S19) and bound to the site and its page, a landing page whose GET spends nothing, MFA after it (S22).
import { beforeAll, describe, expect, it } from 'vitest';
import { totpAt } from '../../src/auth/mfa/totp';

process.env.PUBLIC_BASE_URL = 'https://auth.example.com';
const { createApp } = await import('../../src/app');
const { sha256Hex } = await import('../../src/core/crypto');
const { getLiveResetToken } = await import('../../src/core/db/password-resets');
const { bearer, client, withKey } = await import('../support/http');
const { jobsTo } = await import('../support/queued-jobs');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin, uniqueEmail } = await import('../support/users');

const app = createApp();
const api = client(app);
const PAGE = 'https://app.example.com/signed-in';
let site: Awaited<ReturnType<typeof createTestTenant>>;
let other: Awaited<ReturnType<typeof createTestTenant>>;

beforeAll(async () => {
  site = await createTestTenant({ settings: { magic_links: true } });
  other = await createTestTenant({ settings: { magic_links: true } });
});

const ask = (email: string, redirect_uri = PAGE, key = site.apiKey) =>
  api.post('/auth/magic-link', { email, redirect_uri }, withKey(key));
const verify = (token: string, key = site.apiKey) =>
  api.post('/auth/magic-link/verify', { token }, withKey(key));

/** The emailed link's token: the landing page's link, as the email carries it. */
async function tokenFor(email: string): Promise<string> {
  const jobs = await jobsTo(email, 'magic_link');
  const link = new URL(jobs.at(-1)?.data.login_url as string);
  expect(link.origin + link.pathname).toBe('https://auth.example.com/magic-link');
  return link.searchParams.get('token') as string;
}

describe('sign-in links', () => {
  it('S18: answers the same for known and unknown addresses, and emails only the known one', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    const stranger = uniqueEmail('stranger');
    const known = await ask(email);
    const unknown = await ask(stranger);
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.text).toBe(known.text);
    expect((await jobsTo(email, 'magic_link')).length).toBe(1);
    expect(await jobsTo(stranger)).toEqual([]);
  });

  it('S14/S19: stores only the digest of a 256-bit token that lives 15 minutes, bound to the site and page', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await ask(email);
    const token = await tokenFor(email);
    expect(token).toMatch(/^[\w-]{43}$/);
    const stored = await getLiveResetToken(sha256Hex(token), Math.floor(Date.now() / 1000), 'magic_link');
    expect(stored).toMatchObject({ tenantId: site.tenant.id, redirectUri: PAGE, used: false });
    expect((stored?.expiresAt ?? 0) - Date.now() / 1000).toBeGreaterThan(14 * 60);
    expect((stored?.expiresAt ?? 0) - Date.now() / 1000).toBeLessThanOrEqual(15 * 60);
  });

  it('the landing page changes nothing on GET (mail scanners), and hands the token to the site page in the fragment', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await ask(email);
    const token = await tokenFor(email);
    for (let i = 0; i < 3; i++) {
      const page = await app.request(`/magic-link?token=${token}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      const html = await page.text();
      expect(html).toContain(`href="${PAGE}#magic_token=${token}"`);
      expect(html).not.toMatch(/<script/i);
    }
    const signedIn = await verify(token);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ token: expect.any(String), refresh_token: expect.any(String) });
    expect((await api.get('/user/me', bearer(signedIn.body.token))).body.user.email).toBe(email);
    // Spent: the landing page says so, and the token signs in nobody again.
    expect(await (await app.request(`/magic-link?token=${token}`)).text()).toContain(
      'expired or was already used',
    );
    expect((await verify(token)).body.code).toBe('invalid_magic_link');
  });

  it('50 parallel redemptions of one link sign in exactly once', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await ask(email);
    const token = await tokenFor(email);
    const answers = await Promise.all(Array.from({ length: 50 }, () => verify(token)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400)).toHaveLength(49);
  });

  it("another site's key cannot spend a link, and leaves it unspent", async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    await ask(email);
    const token = await tokenFor(email);
    expect((await verify(token, other.apiKey)).body.code).toBe('invalid_magic_link');
    expect((await verify(token)).status).toBe(200);
  });

  it('S22: a user with a second factor gets the MFA step, not a session', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(user.token));
    const code = await totpAt(setup.body.secret, Math.floor(Date.now() / 1000));
    expect((await api.post('/auth/mfa/totp/activate', { code }, bearer(user.token))).status).toBe(200);
    await ask(user.email);
    const answer = await verify(await tokenFor(user.email));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ mfa_required: true, mfa_token: expect.any(String) });
    expect(answer.body).not.toHaveProperty('token');
  });

  it('refuses pages off the site, and sites that have links off; nothing is sent', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    for (const page of [
      'https://evil.example/steal',
      'http://app.example.com/signed-in',
      'javascript:alert(1)',
      'not a url',
      `${PAGE}\u0000`,
    ]) {
      const answer = await ask(email, page);
      expect(answer.status, page).toBe(422);
      expect(answer.body.errors?.[0]?.field ?? answer.body.code).toBeDefined();
    }
    const off = await createTestTenant();
    const registered = await registerAndLogin(app, off.apiKey);
    const refused = await ask(registered.email, PAGE, off.apiKey);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('magic_links_disabled');
    expect(await jobsTo(email, 'magic_link')).toEqual([]);
    expect(await jobsTo(registered.email, 'magic_link')).toEqual([]);
  });

  it('bad input gets a clear 4xx and changes nothing', async () => {
    for (const body of [
      {},
      { email: 'x' },
      { email: 'a@example.com' },
      { email: [], redirect_uri: PAGE },
      [],
    ]) {
      const answer = await api.post('/auth/magic-link', body, withKey(site.apiKey));
      expect(answer.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
    for (const token of ['', 'x'.repeat(600), 'not-a-token']) {
      const answer = await verify(token);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
    expect((await app.request('/magic-link?token=%3Cscript%3E')).status).toBe(400);
    expect((await api.post('/auth/magic-link/verify', { token: 'x' })).status).toBe(401);
  });

  it('limits emails per address: past 3 in 15 minutes the answer is the same and nothing is sent', async () => {
    const { email } = await registerAndLogin(app, site.apiKey);
    for (let i = 0; i < 5; i++) expect((await ask(email)).status).toBe(202);
    expect((await jobsTo(email, 'magic_link')).length).toBe(3);
  });
});
