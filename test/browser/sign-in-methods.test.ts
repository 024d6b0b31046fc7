// Sign-in methods in Chromium: the console's per-site settings with a write-only client secret (S46); the hosted
// sign-in page with "Continue with Google" against the local OIDC server; passkeys through Chromium's virtual
// authenticator (CDP WebAuthn), registered by the site's page and used on the hosted page as a first factor and
// as the second step; a cloned authenticator (its counter behind) refused. No console errors, no inline script.
import { randomUUID } from 'node:crypto';
import { serve } from '@hono/node-server';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/services';
import { GOOGLE_CLIENT, startProviders } from '../support/oauth-providers';

const port = await freePort();
const base = `http://localhost:${port}`;
process.env.PUBLIC_BASE_URL = base;
const providers = await startProviders(base);
const { createApp } = await import('../../src/app');
const { createPlatformAdmin } = await import('../../src/admin/bootstrap');
const { clientSecrets } = await import('../../src/auth/oauth/secrets');
const { consoleErrors, launchBrowser, signInWithAuthenticator } = await import('../support/browser');
const { bearer, client, withKey } = await import('../support/http');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin, uniqueEmail } = await import('../support/users');

const app = createApp();
const api = client(app);
const LANDING = `${base}/health`;
let browser: Browser;
let server: ReturnType<typeof serve>;

beforeAll(async () => {
  browser = await launchBrowser();
  server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((done) => server.close(() => done()));
  providers.close();
});

const siteWith = (settings: Record<string, unknown>) =>
  createTestTenant({ allowedOrigins: [base], settings });
const loginPage = (tenantId: string) =>
  `${base}/login?site=${encodeURIComponent(tenantId)}&redirect_uri=${encodeURIComponent(LANDING)}`;
const codeOf = (url: string) => new URLSearchParams(new URL(url).hash.slice(1)).get('oauth_code') ?? '';

async function virtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; id: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

/** What a site's own page does to add a passkey: options from the API, navigator.credentials.create, verify. */
async function registerPasskeyFromSitePage(page: Page, token: string) {
  await page.goto(LANDING);
  const options = await api.post('/auth/passkeys/register/options', undefined, bearer(token));
  expect(options.status, options.text).toBe(200);
  // Runs in the page (DOM types are not this program's): what @simplewebauthn/browser's startRegistration does.
  const response = await page.evaluate(async (o) => {
    // biome-ignore lint/suspicious/noExplicitAny: the page's globals, typed loosely on purpose
    const w = globalThis as any;
    const bytes = (s: string) =>
      Uint8Array.from(w.atob(s.replace(/-/g, '+').replace(/_/g, '/')), (ch: string) => ch.charCodeAt(0));
    const text = (b: ArrayBuffer) =>
      w
        .btoa(String.fromCharCode(...new Uint8Array(b)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    const credential = await w.navigator.credentials.create({
      publicKey: {
        ...o,
        challenge: bytes(o.challenge),
        user: { ...o.user, id: bytes(o.user.id) },
        excludeCredentials: [],
      },
    });
    const r = credential.response;
    return {
      id: credential.id as string,
      rawId: text(credential.rawId),
      type: 'public-key',
      response: {
        clientDataJSON: text(r.clientDataJSON),
        attestationObject: text(r.attestationObject),
        transports: r.getTransports() as string[],
      },
      clientExtensionResults: {},
    };
  }, options.body);
  const verified = await api.post(
    '/auth/passkeys/register/verify',
    { response, name: 'Chromium' },
    bearer(token),
  );
  expect(verified.status, verified.text).toBe(201);
}

describe('sign-in methods in the browser', () => {
  it('S46: the console saves a site’s providers with a write-only client secret and its passkey settings', async () => {
    const site = await siteWith({});
    const admin = uniqueEmail('signin-admin');
    await createPlatformAdmin({ email: admin, password: 'sign-in methods passphrase' });
    const page = await browser.newPage();
    const problems = consoleErrors(page);
    await signInWithAuthenticator(page, base, admin, 'sign-in methods passphrase', new Map());
    await page.goto(`${base}/admin/tenants/${encodeURIComponent(site.tenant.id)}`);
    const secret = `secret-${randomUUID()}`;
    const google = page.getByRole('group', { name: 'Google' });
    await google.getByLabel('Offer “Continue with Google”').check();
    await google.getByLabel('Client id').fill(GOOGLE_CLIENT.id);
    await page.getByRole('button', { name: 'Save sign-in methods' }).click();
    // Enabled without a secret: refused with the reason, nothing saved.
    await page.getByText('Client secret: needed to offer Google').waitFor();
    await google.getByLabel('Client secret').fill(secret);
    await page.getByLabel('Users may register passkeys').check();
    await page.getByRole('button', { name: 'Save sign-in methods' }).click();
    await page.getByText('Sign-in methods saved.').waitFor();
    expect(await page.content()).not.toContain(secret);
    await google.getByText('Set: stored in Secrets Manager and never shown again.').waitFor();
    expect(await clientSecrets.read(site.tenant.id, 'google')).toBe(secret);
    expect(await google.getByLabel('Client secret').inputValue()).toBe('');
    // The refused save's 422 is the only thing the page reported.
    expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
    await page.close();
  });

  it('“Continue with Google” on the hosted page signs in through the local OIDC server', async () => {
    const site = await siteWith({ oauth: { google: { enabled: true, client_id: GOOGLE_CLIENT.id } } });
    await clientSecrets.save(site.tenant.id, GOOGLE_CLIENT.secret, 'google');
    const page = await browser.newPage();
    const problems = consoleErrors(page);
    await page.goto(loginPage(site.tenant.id));
    await page.getByRole('button', { name: 'Continue with Google' }).click();
    await page.getByRole('heading', { name: 'Local Google' }).waitFor();
    const email = uniqueEmail('chromium-google');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${LANDING}#oauth_code=`));
    const signedIn = await api.post(
      '/auth/oauth/exchange',
      { code: codeOf(page.url()) },
      withKey(site.apiKey),
    );
    expect(signedIn.body.user.email).toBe(email);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a passkey from Chromium’s authenticator signs in on the hosted page; a clone with an old counter is refused', async () => {
    const site = await siteWith({ passkeys: { enabled: true, second_factor: false } });
    const user = await registerAndLogin(app, site.apiKey);
    const page = await browser.newPage();
    const problems = consoleErrors(page);
    const { cdp, id } = await virtualAuthenticator(page);
    await registerPasskeyFromSitePage(page, user.token);

    await page.goto(loginPage(site.tenant.id));
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${LANDING}#oauth_code=`));
    const signedIn = await api.post(
      '/auth/oauth/exchange',
      { code: codeOf(page.url()) },
      withKey(site.apiKey),
    );
    expect(signedIn.body.user.email).toBe(user.email);

    // The same private key in another authenticator whose counter is behind: a cloned authenticator.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: id });
    expect(credentials).toHaveLength(1);
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id });
    const clone = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId: clone.authenticatorId,
      credential: { ...(credentials[0] as object), signCount: 0 } as never,
    });
    await page.goto(loginPage(site.tenant.id));
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.getByText('Passkey not accepted').waitFor();
    expect(page.url()).toContain('/login?');
    expect(problems.filter((p) => !/401/.test(p))).toEqual([]);
    await page.close();
  });

  it('the console: a platform admin adds a passkey on the account page and signs in with it instead of a code', async () => {
    const admin = uniqueEmail('passkey-admin');
    const password = 'console passkey passphrase';
    await createPlatformAdmin({ email: admin, password });
    const page = await browser.newPage();
    const problems = consoleErrors(page);
    await virtualAuthenticator(page);
    await signInWithAuthenticator(page, base, admin, password, new Map());
    await page.goto(`${base}/admin/account`);
    await page.getByLabel('Name for the new passkey').fill('Chromium key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey added.').waitFor();
    await page.getByRole('cell', { name: 'Chromium key' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();

    await page.goto(`${base}/admin/login`);
    await page.getByLabel('Email').fill(admin);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in with a passkey instead of a code' }).click();
    await page.waitForURL(`${base}/admin`);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('S22: as the second step on the hosted page, after the password', async () => {
    const site = await siteWith({ passkeys: { enabled: true, first_factor: false } });
    const user = await registerAndLogin(app, site.apiKey);
    const page = await browser.newPage();
    const problems = consoleErrors(page);
    await virtualAuthenticator(page);
    await registerPasskeyFromSitePage(page, user.token);
    await page.goto(loginPage(site.tenant.id));
    // First factor off: no passkey button on the first step.
    expect(await page.getByRole('button', { name: 'Sign in with a passkey' }).count()).toBe(0);
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Use your passkey' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${LANDING}#oauth_code=`));
    const signedIn = await api.post(
      '/auth/oauth/exchange',
      { code: codeOf(page.url()) },
      withKey(site.apiKey),
    );
    expect(signedIn.body.user.email).toBe(user.email);
    expect(problems).toEqual([]);
    await page.close();
  });
});
