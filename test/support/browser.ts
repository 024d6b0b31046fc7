// Debian's chromium driven by playwright-core (never a downloaded browser), and the app served on localhost.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../../src/app';
import { totpAt } from '../../src/auth/mfa/totp';
import { freePort } from '../../src/dev/services';

export const ARTIFACTS = resolve(import.meta.dirname, '../artifacts');

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    // No background traffic: this machine has no network beyond loopback.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A test file's browser and served app: started before its tests, closed after them. */
export function browserAndApp(): { browser: Browser; app: { base: string; close(): Promise<void> } } {
  const session = {} as ReturnType<typeof browserAndApp>;
  beforeAll(async () => {
    session.browser = await launchBrowser();
    session.app = await serveApp();
  }, 60_000);
  afterAll(async () => {
    await session.browser?.close();
    await session.app?.close();
  });
  return session;
}

/** What the page reports as errors (CSP violations, failed scripts), collected for a final `toEqual([])`. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

/** The real app on http://localhost:<port> (localhost counts as secure, so __Host- cookies work over http). */
export async function serveApp(): Promise<{ base: string; close(): Promise<void> }> {
  const port = await freePort();
  const server: ServerType = serve({ fetch: createApp().fetch, port, hostname: '127.0.0.1' });
  return { base: `http://localhost:${port}`, close: () => new Promise((done) => server.close(() => done())) };
}

/**
 * Signs in through the real form. A first sign-in sets up the authenticator on the page the console shows (read
 * the key, type the app's code), as an operator would; later ones type the current code.
 */
export async function signInWithAuthenticator(
  page: Page,
  base: string,
  email: string,
  password: string,
  seeds: Map<string, string>,
): Promise<{ enrolled: boolean }> {
  await page.goto(`${base}/admin/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  const seed = seeds.get(email);
  // The next step's code: the ±1 window accepts it, and it is never the step enrollment just used (S23).
  if (seed) await page.getByLabel('Authenticator code').fill(await totpAt(seed, Date.now() / 1000 + 30));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  if (seed) return { enrolled: false };
  await page.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
  const secret = (await page.locator('#totp_secret').getAttribute('data-secret')) as string;
  seeds.set(email, secret);
  await page.getByLabel('Code from the app').fill(await totpAt(secret, Date.now() / 1000));
  await page.getByRole('button', { name: 'Turn on and sign in' }).click();
  await page.getByRole('heading', { name: 'Two-factor sign-in is on' }).waitFor();
  await page.getByRole('link', { name: 'Continue to the console' }).click();
  return { enrolled: true };
}
