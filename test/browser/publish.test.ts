// The console's publishing page in Chromium: settings with a write-only token, a markdown upload from the form,
// published through moto's S3 notification, the publisher and the fake GitHub, its record with the commit, and a
// sanitised preview (S45, S46).
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createFakeGitHub } from '../../src/dev/fake-github';
import { publishConfig } from '../../src/publish/config';
import { createPublisher } from '../../src/publish/publisher';
import { ARTIFACTS, browserAndApp, consoleErrors, signInWithAuthenticator } from '../support/browser';
import { sqsEventOf } from '../support/sqs-events';
import { createTestTenant } from '../support/tenants';
import { uniqueEmail } from '../support/users';

const session = browserAndApp();
const github = createFakeGitHub();
let gh: ReturnType<typeof serve>;
const PASSWORD = 'publish console passphrase';
const TOKEN = 'github_pat_browser_test_token_123';

beforeAll(async () => {
  gh = serve({ fetch: github.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => gh.once('listening', r));
  process.env.GITHUB_API_URL = `http://127.0.0.1:${(gh.address() as AddressInfo).port}/dev/github/api`;
}, 60_000);
afterAll(async () => {
  await new Promise<void>((r) => gh.close(() => r()));
});

/** Publishes the upload as its S3 notification would (the run's shared queue is left to its own test). */
async function publishUpload(key: string) {
  const body = JSON.stringify({
    Records: [
      { eventName: 'ObjectCreated:Put', s3: { bucket: { name: publishConfig().bucket }, object: { key } } },
    ],
  });
  await createPublisher()(sqsEventOf([{ id: `browser-${Date.now()}`, body }]));
}

describe('publishing in the console', () => {
  it('S46: saves settings with a write-only token; uploads markdown, shows the commit, and previews safely (S45)', async () => {
    const site = await createTestTenant({ name: 'Docs Site' }, ['publish']);
    const repo = `docs-${Date.now()}`;
    github.createRepo('acme', repo, 'main', TOKEN);
    const admin = uniqueEmail('publish-admin');
    await createPlatformAdmin({ email: admin, password: PASSWORD });
    const page = await session.browser.newPage();
    const problems = consoleErrors(page);
    await signInWithAuthenticator(page, session.app.base, admin, PASSWORD, new Map());
    await page.goto(`${session.app.base}/admin/publish?tenant=${encodeURIComponent(site.tenant.id)}`);

    await page.getByLabel('Publish uploads to GitHub').check();
    await page.getByLabel('Repository').fill(`acme/${repo}`);
    await page.getByLabel('GitHub token').fill(TOKEN);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Publishing settings saved.').waitFor();
    expect(await page.content()).not.toContain(TOKEN);
    await page.getByText('A token is set; it is never shown.').waitFor();

    await page.getByLabel('File').setInputFiles({
      name: 'hello.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from('---\ntitle: Hello from the console\n---\n# Hello\n\nPublished from a browser.'),
    });
    await page.getByRole('button', { name: 'Upload and publish' }).click();
    await page.getByText('Uploaded:').waitFor();
    await publishUpload(`${site.tenant.clientId}/${site.tenant.siteId}/hello.md`);
    await page.reload();
    const row = page.locator('tr', { hasText: 'hello.md' });
    await row.getByText('published').waitFor();
    expect(await row.getByText('Hello from the console').count()).toBe(1);
    expect(await row.locator('a').getAttribute('href')).toContain('/dev/github/commit/');
    expect(github.filesAt('acme', repo, 'main').get('hello.html')?.toString()).toContain(
      'Published from a browser.',
    );

    await page.getByLabel('Markdown').fill('# Preview\n\n<script>alert(1)</script> [x](javascript:alert(1))');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('section.preview');
    await preview.getByRole('heading', { name: 'Preview' }).waitFor();
    expect(await preview.locator('script, a[href^="javascript"]').count()).toBe(0);
    expect(await preview.textContent()).toContain('<script>alert(1)</script>');
    await page.screenshot({ path: resolve(ARTIFACTS, 'publish.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
