import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { totpAt } from '../../src/auth/mfa/totp';
import { ARTIFACTS, browserAndApp, consoleErrors } from '../support/browser';
import { resetTokenFor } from '../support/queued-jobs';
import { createTestTenant } from '../support/tenants';
import { uniqueEmail } from '../support/users';

// Hosted pages link here: set before the app is served (its configuration is read once).
process.env.PUBLIC_BASE_URL = 'http://localhost';
const session = browserAndApp();
const PASSWORD = 'browser console passphrase';

describe('in Chromium', () => {
  it('/docs shows every operation from assets served by the app itself, with nothing blocked by the CSP', async () => {
    const page = await session.browser.newPage();
    const problems = consoleErrors(page);
    const offsite: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(session.app.base) && !r.url().startsWith('data:')) offsite.push(r.url());
    });
    await page.goto(`${session.app.base}/docs`);
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock-summary-path', { hasText: '/auth/login' }).count()).toBeGreaterThan(
      0,
    );
    await page.screenshot({ path: resolve(ARTIFACTS, 'docs.png') });
    expect(problems).toEqual([]);
    expect(offsite).toEqual([]);
    await page.close();
  });

  it('an operator sets up an authenticator at first sign-in, signs out, and signs in again with a TOTP code', async () => {
    const email = uniqueEmail('operator');
    await createPlatformAdmin({ email, password: PASSWORD });
    await createTestTenant({ name: 'Browser Site' });
    const page = await session.browser.newPage();
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(`${session.app.base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.screenshot({ path: resolve(ARTIFACTS, 'admin-login.png'), fullPage: true });

    // First sign-in: the console makes a platform admin set up an authenticator before anything else.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
    expect(
      await page.locator('img.qr').evaluate((img) => (img as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    await page.screenshot({ path: resolve(ARTIFACTS, 'admin-mfa-enroll.png'), fullPage: true });
    const secret = (await page.locator('#totp_secret').getAttribute('data-secret')) as string;
    await page.getByLabel('Code from the app').fill('000000');
    await page.getByRole('button', { name: 'Turn on and sign in' }).click();
    await page.getByText('That code does not match').waitFor();
    await page.getByLabel('Code from the app').fill(await totpAt(secret, Date.now() / 1000));
    await page.getByRole('button', { name: 'Turn on and sign in' }).click();
    await page.getByRole('heading', { name: 'Two-factor sign-in is on' }).waitFor();
    expect(await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBe(10);
    await page.screenshot({ path: resolve(ARTIFACTS, 'admin-mfa-recovery-codes.png'), fullPage: true });
    await page.getByRole('link', { name: 'Continue to the console' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.getByRole('heading', { name: /^Sites \(\d+\)$/ }).count()).toBe(1);
    // The stylesheet loaded under the console CSP (no inline styles needed, none blocked).
    expect(await page.evaluate("getComputedStyle(document.querySelector('.top')).display")).toBe('flex');
    const cookie = (await page.context().cookies()).find((c) => c.name === '__Host-lambdalith_admin');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    await page.screenshot({ path: resolve(ARTIFACTS, 'admin-dashboard.png'), fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto(`${session.app.base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');

    // Signing in again: the password alone is refused; with the app's code it works.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByText('Enter the code from your authenticator app').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Authenticator code').fill(await totpAt(secret, Date.now() / 1000 + 30));
    await page.screenshot({ path: resolve(ARTIFACTS, 'admin-login-with-code.png'), fullPage: true });
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(blocked).toEqual([]);
    await page.close();
  }, 60_000);

  it('a user resets their password on the hosted page, with errors shown in the form', async () => {
    const site = await createTestTenant({ name: 'Hosted Browser Site' });
    const email = uniqueEmail('hosted');
    const json = { 'content-type': 'application/json', 'x-api-key': site.apiKey };
    await fetch(`${session.app.base}/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'original passphrase' }),
    });
    await fetch(`${session.app.base}/auth/password-reset`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email }),
    });
    const token = await resetTokenFor(email);

    const page = await session.browser.newPage();
    await page.goto(`${session.app.base}/reset?token=${token}`);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.screenshot({ path: resolve(ARTIFACTS, 'hosted-reset.png'), fullPage: true });
    await page.getByLabel('New password', { exact: true }).fill('password1');
    await page.getByLabel('Repeat the new password').fill('password1');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByText('The password is too common').waitFor();
    await page.getByLabel('New password', { exact: true }).fill('a fresh browser passphrase');
    await page.getByLabel('Repeat the new password').fill('a fresh browser passphrase');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();
    await page.screenshot({ path: resolve(ARTIFACTS, 'hosted-reset-done.png'), fullPage: true });
    const login = await fetch(`${session.app.base}/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'a fresh browser passphrase' }),
    });
    expect(login.status).toBe(200);
    await page.close();
  }, 60_000);
});
