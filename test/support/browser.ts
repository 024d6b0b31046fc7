// Debian's chromium driven by playwright-core (never a downloaded browser), and the app served on localhost.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { type Browser, chromium } from 'playwright-core';
import { createApp } from '../../src/app';
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

/** The real app on http://localhost:<port> (localhost counts as secure, so __Host- cookies work over http). */
export async function serveApp(): Promise<{ base: string; close(): Promise<void> }> {
  const port = await freePort();
  const server: ServerType = serve({ fetch: createApp().fetch, port, hostname: '127.0.0.1' });
  return { base: `http://localhost:${port}`, close: () => new Promise((done) => server.close(() => done())) };
}
