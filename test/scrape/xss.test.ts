// S45: what a scraped page says is shown as text wherever it is rendered: the console's job page (runs, changes),
// the chart, and the notice email. An XSS corpus goes in as the page's text; no tag or handler comes out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { renderEmail } from '../../src/email/render';
import { lineChartSvg } from '../../src/scrape/chart';
import { consoleBrowser } from '../support/console';
import { activeContent } from '../support/html';
import { client, withKey } from '../support/http';
import { uniqueEmail } from '../support/users';
import { fixtureSite, runQueuedScrapes, scrapeSite } from './support';

const CORPUS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)>',
  '"><iframe src=javascript:alert(1)>',
  '\'><a href="javascript:alert(1)">x</a>',
  '<a href="data:text/html,<script>alert(1)</script>">y</a>',
];
/** The corpus as a page's text: entity-encoded in the HTML, so it is text once parsed, as a hostile page would. */
const encoded = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const app = createApp();
let fixture: Awaited<ReturnType<typeof fixtureSite>>;

beforeAll(async () => {
  fixture = await fixtureSite();
});
afterAll(() => fixture.close());

describe('S45: scraped content is escaped wherever it is shown', () => {
  it('in the console job page: values, changes and errors', async () => {
    const site = await scrapeSite();
    const page = (i: number) =>
      `<html><body>${CORPUS.map((x, j) => `<p class="f${j}">${encoded(x)}${i}</p>`).join('')}</body></html>`;
    fixture.pages['/x'] = page(1);
    const fields = CORPUS.map((_, j) => ({ name: `f${j}`, selector: `.f${j}`, type: 'text' }));
    const created = await client(app).post(
      '/scrape/jobs',
      { name: 'XSS', urls: [`${fixture.base}/x`], schedule: { expression: 'rate(1 hour)' }, fields },
      withKey(site.apiKey),
    );
    const id = created.body.job.id as string;
    await client(app).post(`/scrape/jobs/${id}/run`, undefined, withKey(site.apiKey));
    await runQueuedScrapes();
    fixture.pages['/x'] = page(2);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await client(app).post(`/scrape/jobs/${id}/run`, undefined, withKey(site.apiKey));
    await runQueuedScrapes();

    const admin = uniqueEmail('xss-admin');
    await createPlatformAdmin({ email: admin, password: 'xss console passphrase' });
    const root = consoleBrowser(app);
    await root.signIn(admin, 'xss console passphrase');
    const html = (await root.get(`/admin/scrape/jobs/${id}`)).html;
    const main = html.slice(html.indexOf('<main>'));
    expect(main).toContain('&lt;script&gt;alert(1)&lt;/script&gt;2');
    expect(activeContent(main)).toEqual([]);
  });

  it('in the chart and in the notice email', () => {
    for (const text of CORPUS) {
      const svg = lineChartSvg(text, [
        {
          label: text,
          points: [
            { at: 0, value: 1 },
            { at: 60_000, value: 2 },
          ],
        },
      ]);
      expect(activeContent(svg)).toEqual([]);
      const email = renderEmail('notification', { title: text, message: text }, { productName: 'Shop' });
      expect(activeContent(email.html)).toEqual([]);
    }
  });
});
