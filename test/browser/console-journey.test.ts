import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { ARTIFACTS, browserAndApp, signInWithAuthenticator } from '../support/browser';
import { uniqueEmail } from '../support/users';

const session = browserAndApp();
const PASSWORD = 'journey console passphrase';

const nav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: resolve(ARTIFACTS, `console-${name}.png`), fullPage: true });

describe('the console in Chromium', () => {
  it('sign in, create a site, issue a key, register a user with it, disable them, see it refused and audited', async () => {
    const admin = uniqueEmail('journey');
    await createPlatformAdmin({ email: admin, password: PASSWORD });
    const page = await session.browser.newPage();

    await signInWithAuthenticator(page, session.app.base, admin, PASSWORD, new Map());
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await shot(page, 'dashboard');

    // A new site.
    const clientId = `Journey${randomUUID().slice(0, 6)}`;
    await nav(page, 'Sites').click();
    await page.getByLabel('Client id').fill(clientId);
    await page.getByLabel('Site id').fill('Web');
    await page.getByLabel('Name', { exact: true }).fill('Journey Site');
    await page.getByLabel('Allowed origins').fill('https://journey.example');
    await shot(page, 'sites');
    await page.getByRole('button', { name: 'Create site' }).click();
    await page.getByText('Site created.').waitFor();

    // Its first API key, shown once.
    await page.getByLabel('Key name').fill('website');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const apiKey = (await page.locator('code.secret').textContent()) as string;
    expect(apiKey).toMatch(/^ll_/);
    await shot(page, 'site-with-new-key');

    // The site's backend registers a user with that key.
    const email = uniqueEmail('journey-user');
    const json = { 'content-type': 'application/json', 'x-api-key': apiKey };
    const registered = await fetch(`${session.app.base}/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'journey user passphrase' }),
    });
    expect(registered.status).toBe(201);

    // Find the user and disable them.
    await nav(page, 'Users').click();
    await page.locator('#tenant').selectOption(`${clientId}#Web`);
    await page.getByLabel('Email starts with').fill(email.slice(0, 14));
    await page.getByRole('button', { name: 'Search' }).click();
    await shot(page, 'users');
    await page.getByRole('link', { name: email }).click();
    await page.getByRole('heading', { name: email }).waitFor();
    await page.getByRole('button', { name: 'Disable and sign out' }).click();
    await page.getByText('User disabled and signed out everywhere.').waitFor();
    await shot(page, 'user');

    const login = await fetch(`${session.app.base}/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: 'journey user passphrase' }),
    });
    expect(login.status).toBe(401);

    // The audit log shows what happened, to whom and by whom.
    await nav(page, 'Audit log').click();
    await page.locator('#tenant').selectOption(`${clientId}#Web`);
    await page.getByRole('button', { name: 'Filter' }).click();
    for (const event of [
      'admin_tenant_created',
      'admin_api_key_created',
      'user_created',
      'admin_user_disable',
      'authn_login_fail',
    ]) {
      expect(await page.getByRole('cell', { name: event, exact: true }).count(), event).toBeGreaterThan(0);
    }
    await shot(page, 'audit');

    // The seed's reset form, from the console.
    await page.goto(`${session.app.base}/admin/password-reset`);
    await page.getByRole('heading', { name: 'Send a password reset' }).waitFor();
    await shot(page, 'password-reset');
    await page.close();
  }, 90_000);
});
