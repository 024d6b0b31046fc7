// Scrape runs end to end on the local platform: the scheduler finds due jobs by query and claims each occurrence
// once, the worker fetches a loopback fixture politely, extracts and compares, keeps the raw page in S3 and
// notifies only real changes, by email through the queue and by a signed webhook (S40, S44).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { useClock } from '../../src/core/clock';
import { snapshotsConfig } from '../../src/scrape/config';
import { verifyWebhook } from '../../src/scrape/notify';
import { scheduleDueRuns } from '../../src/scrape/scheduler';
import { snapshotLink } from '../../src/scrape/snapshot-link';
import { getJob, getRun, listRuns } from '../../src/scrape/store';
import { client, withKey } from '../support/http';
import { jobsTo } from '../support/queued-jobs';
import type { TestTenant } from '../support/tenants';
import { uniqueEmail } from '../support/users';
import { deliverAgain, fixtureSite, runQueuedScrapes, scrapeSite, shopPage } from './support';

const app = createApp();
const api = client(app);
let site: TestTenant;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  site = await scrapeSite();
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

async function shop(pages: Parameters<typeof fixtureSite>[0]) {
  const fixture = await fixtureSite(pages);
  closers.push(fixture.close);
  return fixture;
}

async function makeJob(body: Record<string, unknown>) {
  const res = await api.post('/scrape/jobs', body, withKey(site.apiKey));
  if (res.status !== 201) throw new Error(`create: ${res.status} ${res.text}`);
  return res.body as { job: { id: string }; webhook_secret?: string };
}

const priceJob = (url: string, email: string, extra: Record<string, unknown> = {}) => ({
  name: 'Widget price',
  urls: [url],
  schedule: { expression: 'rate(5 minutes)', timezone: 'UTC' },
  fields: [
    { name: 'price', selector: '.price', type: 'price' },
    { name: 'stock', selector: '.stock', type: 'text' },
  ],
  ignore: [{ text: 'Updated at' }],
  notify: { emails: [email] },
  ...extra,
});

/** Runs the job now through the API and the worker. */
async function runNow(id: string) {
  expect((await api.post(`/scrape/jobs/${id}/run`, undefined, withKey(site.apiKey))).status).toBe(202);
  return runQueuedScrapes();
}

describe('a scrape run', () => {
  it('extracts typed fields, keeps the raw page in the snapshots bucket, and notifies the first run and then only real changes', async () => {
    const fixture = await shop({ '/item': shopPage('€12,99', 'In stock', '<p>Updated at 10:01</p>') });
    const email = uniqueEmail('watcher');
    const { job } = await makeJob(priceJob(`${fixture.base}/item`, email));

    await runNow(job.id);
    let runs = await listRuns(job.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      status: 'ok',
      trigger: 'manual',
      changed: false,
      pages: [{ httpStatus: 200, fields: { price: { amount: 12.99, currency: 'EUR' }, stock: 'In stock' } }],
    });
    expect((await jobsTo(email, 'notification')).map((j) => j.data.title)).toEqual([
      'Widget price: first run',
    ]);
    // The raw page, gzipped, in the snapshots bucket.
    const s3 = new S3Client({ forcePathStyle: true });
    const object = await s3.send(
      new GetObjectCommand({ Bucket: snapshotsConfig().bucket, Key: runs[0]?.pages[0]?.snapshotKey }),
    );
    expect(
      gunzipSync(
        Buffer.from(
          await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
        ),
      ).toString(),
    ).toContain('€12,99');
    s3.destroy();
    // The console's link to it: presigned without the S3 client, served as text.
    const link = await fetch(await snapshotLink(runs[0]?.pages[0]?.snapshotKey as string));
    expect(link.status).toBe(200);
    expect(link.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await link.text()).toContain('€12,99');

    // Only ignored text changed: a run, no alert.
    fixture.pages['/item'] = shopPage('€12,99', 'In stock', '<p>Updated at 10:07</p>');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runNow(job.id);
    runs = await listRuns(job.id);
    expect(runs[0]).toMatchObject({ status: 'ok', changed: false, notified: [] });
    expect(await jobsTo(email, 'notification')).toHaveLength(1);

    // A real change: old -> new in the email.
    fixture.pages['/item'] = shopPage('€10,49', 'Only 2 left', '<p>Updated at 10:12</p>');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await runNow(job.id);
    runs = await listRuns(job.id);
    expect(runs[0]).toMatchObject({ changed: true, notified: ['email'] });
    expect(runs[0]?.changes?.fields).toEqual([
      {
        url: `${fixture.base}/item`,
        field: 'price',
        old: { amount: 12.99, currency: 'EUR' },
        new: { amount: 10.49, currency: 'EUR' },
      },
      { url: `${fixture.base}/item`, field: 'stock', old: 'In stock', new: 'Only 2 left' },
    ]);
    const changed = (await jobsTo(email, 'notification')).at(-1);
    expect(changed?.data.title).toBe('Widget price changed');
    expect(changed?.data.message).toContain('price: 12.99 EUR → 10.49 EUR');
    expect(changed?.data.message).toContain('stock: In stock → Only 2 left');
    // It identified itself, and asked robots.txt once.
    expect(fixture.requests.every((r) => r.ua?.startsWith('lambdalith-scraper/'))).toBe(true);
    expect(fixture.hits('/robots.txt')).toBe(1);
  });

  it('S40: a duplicate delivery of a run does nothing the second time', async () => {
    const fixture = await shop({ '/item': shopPage('$5.00') });
    const { job } = await makeJob(priceJob(`${fixture.base}/item`, uniqueEmail()));
    const { delivered } = await runNow(job.id);
    expect(delivered).toHaveLength(1);
    const again = await deliverAgain(delivered[0] as string);
    expect(again.batchItemFailures).toEqual([]);
    expect(await listRuns(job.id)).toHaveLength(1);
    expect(fixture.hits('/item')).toBe(1);
  });

  it('the scheduler finds due jobs by query, and 50 overlapping scheduler runs queue each occurrence once', async () => {
    const fixture = await shop({ '/item': shopPage('$7.00') });
    const { job } = await makeJob(priceJob(`${fixture.base}/item`, uniqueEmail()));
    const stored = await getJob(job.id);
    const due = (stored?.state.nextRun as number) + 1;
    const restore = useClock({ now: () => due * 1000 });
    try {
      const reports = await Promise.all(Array.from({ length: 50 }, () => scheduleDueRuns(due)));
      expect(reports.reduce((sum, r) => sum + r.queued, 0)).toBeGreaterThanOrEqual(1);
      const { delivered } = await runQueuedScrapes();
      expect(delivered.filter((body) => body.includes(job.id))).toHaveLength(1);
      // The next occurrence moved on; the job is not due again now.
      expect((await getJob(job.id))?.state.nextRun).toBeGreaterThan(due);
      const second = await scheduleDueRuns(due);
      expect((await runQueuedScrapes()).delivered.filter((b) => b.includes(job.id))).toHaveLength(0);
      expect(second.queued).toBeGreaterThanOrEqual(0);
    } finally {
      restore();
    }
  });

  it('never overlaps: while a run holds the job, "Run now" is 409 and a due occurrence is skipped', async () => {
    const fixture = await shop({ '/item': shopPage('$9.00') });
    const { job } = await makeJob(priceJob(`${fixture.base}/item`, uniqueEmail()));
    expect((await api.post(`/scrape/jobs/${job.id}/run`, undefined, withKey(site.apiKey))).status).toBe(202);
    const busy = await api.post(`/scrape/jobs/${job.id}/run`, undefined, withKey(site.apiKey));
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('run_in_progress');
    const due = ((await getJob(job.id))?.state.nextRun as number) + 1;
    const report = await scheduleDueRuns(due);
    expect(report.skipped).toBeGreaterThanOrEqual(1);
    const { delivered } = await runQueuedScrapes();
    expect(delivered.filter((b) => b.includes(job.id))).toHaveLength(1);
    // Finished: free again.
    expect((await api.post(`/scrape/jobs/${job.id}/run`, undefined, withKey(site.apiKey))).status).toBe(202);
    await runQueuedScrapes();
  });

  it('obeys robots.txt: a disallowed page is not fetched and the run says why', async () => {
    const fixture = await shop({
      '/robots.txt': 'User-agent: *\nDisallow: /private\n',
      '/private/item': shopPage('$1.00'),
    });
    const { job } = await makeJob(priceJob(`${fixture.base}/private/item`, uniqueEmail()));
    await runNow(job.id);
    const [run] = await listRuns(job.id);
    expect(run).toMatchObject({ status: 'failed', pages: [{ error: 'disallowed by robots.txt' }] });
    expect(fixture.hits('/private/item')).toBe(0);
  });

  it("waits out the host's crawl delay between fetches, across runs", async () => {
    const fixture = await shop({
      '/robots.txt': 'User-agent: *\nCrawl-delay: 2\n',
      '/a': shopPage('$1.00'),
      '/b': shopPage('$2.00'),
    });
    const { job } = await makeJob({
      ...priceJob(`${fixture.base}/a`, uniqueEmail()),
      urls: [`${fixture.base}/a`, `${fixture.base}/b`],
    });
    await runNow(job.id);
    const [a, b] = ['/a', '/b'].map((path) => fixture.requests.find((r) => r.path === path)?.at as number);
    expect((b as number) - (a as number)).toBeGreaterThanOrEqual(1900);
  });

  it('notifies "failing" once after N failures in a row, and "works again" on recovery', async () => {
    let broken = true;
    const fixture = await shop({
      '/item': (_req, res) => {
        if (broken) res.writeHead(404).end('gone');
        else res.writeHead(200, { 'content-type': 'text/html' }).end(shopPage('$3.00'));
      },
    });
    const email = uniqueEmail('failing');
    const { job } = await makeJob(priceJob(`${fixture.base}/item`, email, { failure_threshold: 2 }));
    for (let i = 0; i < 3; i++) {
      await runNow(job.id);
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    expect((await listRuns(job.id)).map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect((await jobsTo(email, 'notification')).map((j) => j.data.title)).toEqual([
      'Widget price is failing',
    ]);
    broken = false;
    await runNow(job.id);
    expect((await jobsTo(email, 'notification')).map((j) => j.data.title)).toEqual([
      'Widget price is failing',
      'Widget price works again',
    ]);
  });

  it('signs its webhook: the receiver verifies the body with the secret shown once', async () => {
    const received: { body: string; signature: string }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['x-lambdalith-signature']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => hook.close(() => resolve())));
    const fixture = await shop({ '/item': shopPage('£4.00') });
    const created = await makeJob({
      ...priceJob(`${fixture.base}/item`, uniqueEmail()),
      notify: { emails: [], webhook_url: `http://localhost:${(hook.address() as AddressInfo).port}/hook` },
    });
    expect(created.webhook_secret).toMatch(/^whsec_/);
    expect(
      JSON.stringify((await api.get(`/scrape/jobs/${created.job.id}`, withKey(site.apiKey))).body),
    ).not.toContain(created.webhook_secret as string);
    await runNow(created.job.id);
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(
      verifyWebhook(
        created.webhook_secret as string,
        delivery?.signature as string,
        delivery?.body as string,
      ),
    ).toBe(true);
    expect(verifyWebhook('whsec_wrong', delivery?.signature as string, delivery?.body as string)).toBe(false);
    expect(
      verifyWebhook(created.webhook_secret as string, delivery?.signature as string, `${delivery?.body} `),
    ).toBe(false);
    expect(JSON.parse(delivery?.body as string)).toMatchObject({
      event: 'scrape.first_run',
      job: { id: created.job.id, name: 'Widget price' },
      pages: [{ fields: { price: { amount: 4, currency: 'GBP' } } }],
    });
    const [last] = await listRuns(created.job.id);
    expect(await getRun(created.job.id, last?.scheduledFor as string, last?.runId as string)).toMatchObject({
      notified: ['webhook'],
    });
  });
});
