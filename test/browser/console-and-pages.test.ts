import { resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { ARTIFACTS, launchBrowser, serveApp } from '../support/browser';
import { resetTokenFor } from '../support/email-jobs';
import { createTestTenant } from '../support/tenants';
import { uniqueEmail } from '../support/users';

let browser: Browser;
let app: Awaited<ReturnType<typeof serveApp>>;
const PASSWORD = 'browser console passphrase';

beforeAll(async () => {
  process.env.PUBLIC_BASE_URL = 'http://localhost';
  browser = await launchBrowser();
  app = await serveApp();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('in Chromium', () => {
  it('an operator signs in to the console, sees the dashboard, and signs out', async () => {
    const email = uniqueEmail('operator');
    await createPlatformAdmin({ email, password: PASSWORD });
    await createTestTenant({ name: 'Browser Site' });
    const page = await browser.newPage();
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(`${app.base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.screenshot({ path: resolve(ARTIFACTS, 'admin-login.png'), fullPage: true });

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.getByRole('heading', { name: /^Sites \(\d+\)$/ }).count()).toBe(1);
    // The stylesheet loaded under the console CSP (no inline styles needed, none blocked).
    expect(await page.evaluate("getComputedStyle(document.querySelector('.top')).display")).toBe('flex');
    const cookie = (await page.context().cookies()).find((c) => c.name === '__Host-lambdalith_admin');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    await page.screenshot({ path: resolve(ARTIFACTS, 'admin-dashboard.png'), fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.goto(`${app.base}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    expect(blocked).toEqual([]);
    await page.close();
  }, 60_000);

  it('a user resets their password on the hosted page, with errors shown in the form', async () => {
    const site = await createTestTenant({ name: 'Hosted Browser Site' });
    const email = uniqueEmail('hosted');
    const json = { 'content-type': 'application/json', 'x-api-key': site.apiKey };
    await fetch(`${app.base}/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'original passphrase' }),
    });
    await fetch(`${app.base}/auth/password-reset`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email }),
    });
    const token = await resetTokenFor(email);

    const page = await browser.newPage();
    await page.goto(`${app.base}/reset?token=${token}`);
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
    const login = await fetch(`${app.base}/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'a fresh browser passphrase' }),
    });
    expect(login.status).toBe(200);
    await page.close();
  }, 60_000);
});
