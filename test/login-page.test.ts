// The hosted sign-in page (/login?site=&redirect_uri=): every method the site offers, a strict CSP with no inline
// script (S35), CSRF on every form (S36), the same failures as the API (S6), MFA on the page (S22), and the result
// handed to the site's page as a one-time code in the fragment, exchanged by the site.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { totpAt } from '../src/auth/mfa/totp';
import { GITHUB_CLIENT, GOOGLE_CLIENT, startProviders } from './support/oauth-providers';

process.env.PUBLIC_BASE_URL = 'https://auth.example.com';
await startProviders('https://auth.example.com');
const { createApp } = await import('../src/app');
const { clientSecrets } = await import('../src/auth/oauth/secrets');
const { bearer, client, withKey } = await import('./support/http');
const { consoleBrowser } = await import('./support/console');
const { jobsTo } = await import('./support/queued-jobs');
const { createTestTenant } = await import('./support/tenants');
const { registerAndLogin } = await import('./support/users');

const app = createApp();
const api = client(app);
const PAGE = 'https://app.example.com/signed-in';
type Site = Awaited<ReturnType<typeof createTestTenant>>;
let site: Site;
let plain: Site;

beforeAll(async () => {
  site = await createTestTenant({
    settings: {
      magic_links: true,
      passkeys: { enabled: true },
      oauth: {
        google: { enabled: true, client_id: GOOGLE_CLIENT.id },
        github: { enabled: true, client_id: GITHUB_CLIENT.id },
      },
    },
  });
  await clientSecrets.save(site.tenant.id, GOOGLE_CLIENT.secret, 'google');
  plain = await createTestTenant();
});

const pageUrl = (s: Site = site, extra = '') =>
  `/login?site=${encodeURIComponent(s.tenant.id)}&redirect_uri=${encodeURIComponent(PAGE)}${extra}`;

async function openPage(s: Site = site, extra = '') {
  const browser = consoleBrowser(app);
  const page = await browser.get(pageUrl(s, extra));
  const fields = {
    csrf_token: browser.csrfFrom(page.html),
    site: s.tenant.id,
    redirect_uri: PAGE,
    code_challenge: /name="code_challenge" value="([^"]*)"/.exec(page.html)?.[1] ?? '',
  };
  return { browser, page, fields };
}

const codeFrom = (location: string | null) =>
  new URLSearchParams(new URL(location ?? 'about:blank').hash.slice(1)).get('oauth_code') ?? '';

describe('hosted sign-in page', () => {
  it('S35: offers what the site enables under a strict CSP with no inline script', async () => {
    const { page } = await openPage();
    expect(page.res.status).toBe(200);
    const csp = page.res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toMatch(/form-action 'self' https:\/\/app\.example\.com http:\/\/127\.0\.0\.1:\d+/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.html).toContain('Continue with Google');
    expect(page.html).toContain('Continue with GitHub');
    expect(page.html).toContain('Sign in with a passkey');
    expect(page.html).toContain('Email me a link');
    expect(page.html).toMatch(/<script type="module" src="\/assets\/login\.js"><\/script>/);
    expect(page.html.match(/<script/g)).toHaveLength(1);
    expect((await app.request('/assets/login.js')).status).toBe(200);

    const bare = await openPage(plain);
    expect(bare.page.html).not.toContain('Continue with');
    expect(bare.page.html).not.toContain('<script');
    expect(bare.page.html).not.toContain('Email me a link');
  });

  it('refuses a site or page it cannot send anyone back to', async () => {
    for (const query of [
      '/login',
      `/login?site=${encodeURIComponent(site.tenant.id)}&redirect_uri=${encodeURIComponent('https://evil.example.net/x')}`,
      `/login?site=nobody%23none&redirect_uri=${encodeURIComponent(PAGE)}`,
      `${pageUrl()}&code_challenge=short`,
    ]) {
      const res = await app.request(query);
      expect(res.status, query).toBe(400);
    }
  });

  it('password: the site page gets a one-time code in the fragment, exchanged with its key for the session', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const { browser, fields } = await openPage();
    const done = await browser.post('/login/password', {
      ...fields,
      email: user.email,
      password: user.password,
    });
    expect(done.res.status).toBe(303);
    const location = done.res.headers.get('location') as string;
    expect(location.startsWith(`${PAGE}#oauth_code=`)).toBe(true);
    const exchanged = await api.post(
      '/auth/oauth/exchange',
      { code: codeFrom(location) },
      withKey(site.apiKey),
    );
    expect(exchanged.status, exchanged.text).toBe(200);
    expect(exchanged.body.user.email).toBe(user.email);
    expect((await api.get('/user/me', bearer(exchanged.body.token))).status).toBe(200);
  });

  it('S6/S36: a wrong password re-renders the form as the API would answer; a missing CSRF token changes nothing', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const { browser, fields } = await openPage();
    const wrong = await browser.post('/login/password', {
      ...fields,
      email: user.email,
      password: 'nope nope',
    });
    expect(wrong.res.status).toBe(401);
    expect(wrong.html).toContain('Invalid email or password');
    const unknown = await browser.post('/login/password', {
      ...fields,
      email: 'nobody@example.com',
      password: 'nope nope',
    });
    expect(unknown.html.replace(/value="[^"]*"/g, '')).toBe(wrong.html.replace(/value="[^"]*"/g, ''));
    const forged = await browser.post('/login/password', {
      ...fields,
      csrf_token: 'x',
      email: user.email,
      password: user.password,
    });
    expect(forged.res.status).toBe(403);
    expect(forged.res.headers.get('location')).toBeNull();
    const crossSite = await browser.post(
      '/login/password',
      { ...fields, email: user.email, password: user.password },
      { 'sec-fetch-site': 'cross-site' },
    );
    expect(crossSite.res.status).toBe(403);
  });

  it('S22: a user with a factor finishes the second step on the page before the site gets its code', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const setup = await api.post('/auth/mfa/totp/setup', undefined, bearer(user.token));
    await api.post(
      '/auth/mfa/totp/activate',
      { code: await totpAt(setup.body.secret, Math.floor(Date.now() / 1000)) },
      bearer(user.token),
    );
    const { browser, fields } = await openPage();
    const step = await browser.post('/login/password', {
      ...fields,
      email: user.email,
      password: user.password,
    });
    expect(step.res.status).toBe(200);
    expect(step.html).toContain('Code from your authenticator app');
    const mfaToken = /name="mfa_token" value="([^"]+)"/.exec(step.html)?.[1] as string;
    const methods = /name="methods" value="([^"]*)"/.exec(step.html)?.[1] as string;
    const wrong = await browser.post('/login/mfa', {
      ...fields,
      mfa_token: mfaToken,
      methods,
      code: '000000',
    });
    expect(wrong.res.status).toBe(401);
    expect(wrong.html).toContain('Invalid code');
    const code = await totpAt(setup.body.secret, Math.floor(Date.now() / 1000) + 30);
    const done = await browser.post('/login/mfa', { ...fields, mfa_token: mfaToken, methods, code });
    expect(done.res.status, done.html.slice(0, 500)).toBe(303);
    const exchanged = await api.post(
      '/auth/oauth/exchange',
      { code: codeFrom(done.res.headers.get('location')) },
      withKey(site.apiKey),
    );
    expect(exchanged.body.user.email).toBe(user.email);
  });

  it("the page's code is bound to the site page's own challenge when it sent one", async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const verifier = `${'k'.repeat(40)}${Date.now()}`;
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const { browser, fields } = await openPage(site, `&code_challenge=${challenge}`);
    expect(fields.code_challenge).toBe(challenge);
    const done = await browser.post('/login/password', {
      ...fields,
      email: user.email,
      password: user.password,
    });
    const code = codeFrom(done.res.headers.get('location'));
    expect(
      (await api.post('/auth/oauth/exchange', { code, code_verifier: verifier }, withKey(site.apiKey)))
        .status,
    ).toBe(200);
  });

  it('the provider buttons go to the provider; the link form emails a link to the page', async () => {
    const { browser, fields } = await openPage();
    const google = await browser.post('/login/oauth/google', fields);
    expect(google.res.status).toBe(303);
    expect(google.res.headers.get('location')).toMatch(/\/dev\/google\/auth\?/);
    expect((await browser.post('/login/oauth/facebook', fields)).res.status).toBe(404);
    const user = await registerAndLogin(app, site.apiKey);
    const link = await browser.post('/login/magic-link', { ...fields, email: user.email });
    expect(link.res.status).toBe(200);
    expect(link.html).toContain('Check your email');
    const jobs = await jobsTo(user.email, 'magic_link');
    expect(jobs).toHaveLength(1);
  });
});
