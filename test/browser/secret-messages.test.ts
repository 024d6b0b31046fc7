// The hosted secret-message pages in Chromium: a message sealed in the browser on /s/{inbox} is read on /secrets,
// decrypted in the browser, and gone from the server afterwards; no plaintext is ever posted, no CSP violation.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { recipient, secretsSite } from '../secrets/support';
import { ARTIFACTS, browserAndApp } from '../support/browser';
import { bearer, client } from '../support/http';

const session = browserAndApp();

describe('secret messages in Chromium', () => {
  it('sealed on /s/{inbox}, opened on /secrets in the browser, then gone', async () => {
    const app = createApp();
    const site = await secretsSite();
    const to = await recipient(app, site.apiKey);
    const marker = `browser secret ${Date.now()}`;
    const page = await session.browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${m.text()} ${m.location().url}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400)
        problems.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
    const posted: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posted.push(r.postData() ?? '');
    });

    await page.goto(`${session.app.base}/s/${to.inbox}`);
    await page.fill('#text', marker);
    await page.click('button[type=submit]');
    await page.locator('#status.success').waitFor();
    expect(await page.textContent('#status')).toMatch(/^Sent\./);
    await page.screenshot({ path: resolve(ARTIFACTS, 'secret-send.png'), fullPage: true });
    // What left the page was the envelope only.
    expect(posted.join('\n')).not.toContain(marker);
    expect(posted.join('\n')).toContain('"envelope":"v1.');

    await page.goto(`${session.app.base}/secrets?site=${encodeURIComponent(site.tenant.id)}`);
    await page.fill('#email', to.email);
    await page.fill('#password', to.password);
    await page.click('#sign-in button[type=submit]');
    await page.locator('#messages button').first().click();
    await page.locator('#reader:not([hidden])').waitFor();
    expect(await page.textContent('#plaintext')).toBe(marker);
    await page.locator('#empty:not([hidden])').waitFor();
    await page.screenshot({ path: resolve(ARTIFACTS, 'secret-inbox.png'), fullPage: true });
    expect(posted.join('\n')).not.toContain(marker);
    expect(problems).toEqual([]);
    await page.close();

    const listed = await client(app).get('/secrets/messages', bearer(to.token));
    expect(listed.body.messages).toEqual([]);
  });

  it('a GET changes nothing: previewers fetching the links burn nothing', async () => {
    const app = createApp();
    const site = await secretsSite();
    const to = await recipient(app, site.apiKey);
    const page = await session.browser.newPage();
    for (const path of [`/s/${to.inbox}`, `/secrets?site=${encodeURIComponent(site.tenant.id)}`]) {
      const res = await page.goto(`${session.app.base}${path}`);
      expect(res?.status()).toBe(200);
      expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
      expect(await page.content()).not.toMatch(/<script>(?!<\/script>)/);
    }
    await page.close();
  });
});
