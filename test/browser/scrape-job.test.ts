// A scrape job in the console, in Chromium: made from the form, run three times against a fixture whose price
// changes, its page shows the runs, the changes and a chart of the price drawn as SVG under the console's CSP;
// scraped text that looks like markup stays text (S45).
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { fixtureSite, runQueuedScrapes, scrapeSite, shopPage } from '../scrape/support';
import { ARTIFACTS, browserAndApp, consoleErrors, signInWithAuthenticator } from '../support/browser';
import { uniqueEmail } from '../support/users';

const session = browserAndApp();
const PASSWORD = 'scrape console passphrase';
/** Text on the scraped page that reads as markup once decoded. */
const XSS = '&lt;img src=x onerror=alert(1)&gt;';

describe('scrape jobs in the console', () => {
  it('creates a job, runs it, and shows runs, changes and a price chart', async () => {
    const site = await scrapeSite();
    const fixture = await fixtureSite({ '/item': shopPage('$10.00', XSS) });
    const admin = uniqueEmail('scrape-admin');
    await createPlatformAdmin({ email: admin, password: PASSWORD });
    const page = await session.browser.newPage();
    const problems = consoleErrors(page);
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await signInWithAuthenticator(page, session.app.base, admin, PASSWORD, new Map());
    await page.goto(`${session.app.base}/admin/scrape?tenant=${encodeURIComponent(site.tenant.id)}`);
    await page.getByLabel('Name', { exact: true }).fill('Widget watch');
    await page.getByLabel('URLs', { exact: true }).fill(`${fixture.base}/item`);
    await page.getByLabel('Schedule', { exact: true }).fill('rate(1 hour)');
    await page.getByLabel('Fields', { exact: true }).fill('price | .price | price\nstock | .stock | text');
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByText('Scrape job created.').waitFor();
    const jobUrl = page.url().split('?')[0] as string;

    for (const price of ['$10.00', '$12.50', '$9.75']) {
      fixture.pages['/item'] = shopPage(price, XSS);
      await page.getByRole('button', { name: 'Run now' }).first().click();
      await page.getByText('Run queued').waitFor();
      await runQueuedScrapes();
      await new Promise((r) => setTimeout(r, 1100));
    }
    await page.goto(jobUrl);
    const chart = page.locator('figure.chart svg');
    await chart.waitFor();
    expect(await chart.locator('circle').count()).toBe(3);
    expect(await page.locator('#changes ~ section.change').count()).toBeGreaterThanOrEqual(2);
    await page.getByText('price: 12.5 USD → 9.75 USD').waitFor();
    // The fixture's markup in a field is shown as text, never run.
    expect(
      await page.locator('td', { hasText: 'stock: <img src=x onerror=alert(1)>' }).count(),
    ).toBeGreaterThan(0);
    expect(await page.locator('main img').count()).toBe(0);
    await page.screenshot({ path: resolve(ARTIFACTS, 'scrape-job.png'), fullPage: true });
    // The last raw page: a presigned S3 link, served as text.
    const raw = await page.request.get(
      `${session.app.base}${await page.getByRole('link', { name: 'Last raw page' }).getAttribute('href')}`,
    );
    expect(raw.status()).toBe(200);
    expect(raw.headers()['content-type']).toMatch(/^text\/plain/);
    expect(await raw.text()).toContain('$9.75');
    expect(problems).toEqual([]);
    await page.close();
    await fixture.close();
  });
});
