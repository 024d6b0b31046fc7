// Uploads to pages end to end on the local platform: objects put in the publish bucket (as `aws s3 cp` would) reach
// PublishQueue through moto's real S3 notifications; the publisher renders and commits each site's batch in one
// commit to the fake GitHub; records say what happened. Keys outside the site or with `..` are never published.
import type { AddressInfo } from 'node:net';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { serve } from '@hono/node-server';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { setUserRoles, userIdOf } from '../../src/core/db/users';
import { sqsSdk } from '../../src/dev/aws';
import { createFakeGitHub } from '../../src/dev/fake-github';
import { localQueueUrl } from '../../src/dev/provision';
import { publishConfig } from '../../src/publish/config';
import { createPublisher } from '../../src/publish/publisher';
import { listRecords } from '../../src/publish/records';
import { saveToken } from '../../src/publish/token';
import { bearer, client, withKey } from '../support/http';
import { relayOutbox } from '../support/queued-jobs';
import { sqsEventOf } from '../support/sqs-events';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const github = createFakeGitHub();
let server: ReturnType<typeof serve>;
const s3 = new S3Client({ forcePathStyle: true });
const TOKEN = 'github_pat_pipeline';

beforeAll(async () => {
  server = serve({ fetch: github.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  process.env.GITHUB_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev/github/api`;
});
afterAll(async () => {
  s3.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let n = 0;
async function publishingSite(extra: Record<string, unknown> = {}): Promise<TestTenant & { repo: string }> {
  const repo = `pages-${++n}-${Date.now()}`;
  github.createRepo('acme', repo, 'main', TOKEN);
  const site = await createTestTenant(
    {
      settings: {
        publish: { enabled: true, repo: `acme/${repo}`, branch: 'main', folder: 'site', ...extra },
      },
    },
    ['publish'],
  );
  await saveToken(site.tenant.id, TOKEN);
  prefix(site);
  return { ...site, repo };
}

const mine: string[] = [];
const prefix = (site: TestTenant) => {
  const p = `${site.tenant.clientId}/${site.tenant.siteId}`;
  if (!mine.includes(p)) mine.push(p);
  return p;
};
const put = (key: string, body: string, type = 'text/markdown') =>
  s3.send(new PutObjectCommand({ Bucket: publishConfig().bucket, Key: key, Body: body, ContentType: type }));

/** What S3 has sent to PublishQueue so far, as one SQS event (the messages are taken off the queue). */
async function queuedEvent(): Promise<SQSEvent> {
  const sdk = sqsSdk();
  const sqs = new sdk.SQSClient({});
  const url = localQueueUrl('PublishQueue');
  const messages: { id: string; body: string }[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const { Messages = [] } = await sqs.send(
        new sdk.ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        // The bucket notifies one queue for the whole run: another file's uploads are not this test's.
        if (mine.some((p) => (m.Body as string).includes(p.split('/')[0] as string)))
          messages.push({ id: m.MessageId as string, body: m.Body as string });
        await sqs.send(new sdk.DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
      }
    }
  } finally {
    sqs.destroy();
  }
  return sqsEventOf(messages);
}

const publisher = createPublisher();

describe('publishing uploads', () => {
  it('renders a batch into one commit: pages in the layout, assets as they are, an index; drafts and bad keys left out', async () => {
    const site = await publishingSite();
    await put(
      `${prefix(site)}/hello world.md`,
      '---\ntitle: Hello <World>\ndate: 2026-11-29\n---\n# Hi\n\nSee [next](posts/next.md).\n\n<script>alert(1)</script>',
    );
    await put(`${prefix(site)}/posts/next.md`, '# Next post\n\n![pic](../img/a.png)');
    await put(`${prefix(site)}/posts/wip.md`, '---\ndraft: true\n---\n# Not yet');
    await put(`${prefix(site)}/img/a.png`, 'PNGDATA', 'image/png');
    await put(`${prefix(site)}/../evil.md`, '# escaped the prefix');
    const event = await queuedEvent();
    expect(event.Records.length).toBeGreaterThanOrEqual(4);
    expect((await publisher(event)).batchItemFailures).toEqual([]);

    const history = github.history('acme', site.repo, 'main');
    expect(history).toHaveLength(2);
    const files = github.filesAt('acme', site.repo, 'main');
    expect([...files.keys()].sort()).toEqual([
      'site/hello world.html',
      'site/img/a.png',
      'site/index.html',
      'site/posts/next.html',
    ]);
    const hello = files.get('site/hello world.html')?.toString() as string;
    expect(hello).toContain('<title>Hello &lt;World&gt; · ');
    expect(hello).toContain('<a href="posts/next.html">next</a>');
    expect(hello).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(hello).not.toContain('<script>');
    expect(files.get('site/posts/next.html')?.toString()).toContain('href="../index.html"');
    expect(files.get('site/img/a.png')?.toString()).toBe('PNGDATA');
    const index = files.get('site/index.html')?.toString() as string;
    expect(index).toContain('href="hello world.html"');
    expect(index).toContain('href="posts/next.html"');
    expect(index).not.toContain('wip');

    const records = new Map((await listRecords(site.tenant.id)).map((r) => [r.path, r]));
    expect(records.get('hello world.md')).toMatchObject({
      status: 'published',
      commitSha: history[0]?.sha,
      title: 'Hello <World>',
    });
    expect(records.get('posts/wip.md')).toMatchObject({ status: 'skipped', error: 'draft: true' });
    expect([...records.keys()].some((p) => p.includes('evil'))).toBe(false);
  });

  it('a duplicate delivery makes no second commit; a removed object deletes its page', async () => {
    const site = await publishingSite();
    await put(`${prefix(site)}/a.md`, '# A');
    const event = await queuedEvent();
    await publisher(event);
    await publisher(event);
    expect(github.history('acme', site.repo, 'main')).toHaveLength(2);
    await s3.send(new DeleteObjectCommand({ Bucket: publishConfig().bucket, Key: `${prefix(site)}/a.md` }));
    await publisher(await queuedEvent());
    expect(github.filesAt('acme', site.repo, 'main').has('site/a.html')).toBe(false);
    expect(github.history('acme', site.repo, 'main')).toHaveLength(3);
  });

  it('publishes unicode and space-containing paths as they are named', async () => {
    const site = await publishingSite();
    await put(`${prefix(site)}/café/naïve notes.md`, '# Crème brûlée\n\n日本語のページ');
    expect((await publisher(await queuedEvent())).batchItemFailures).toEqual([]);
    const page = github.filesAt('acme', site.repo, 'main').get('site/café/naïve notes.html')?.toString();
    expect(page).toContain('<h1>Crème brûlée</h1>');
    expect(page).toContain('日本語のページ');
  });

  it('a file over 10 MB put straight into the bucket is recorded as failed, not read into memory or published', async () => {
    const site = await publishingSite();
    await put(`${prefix(site)}/huge.md`, `# Huge\n\n${'x'.repeat(11 * 1024 * 1024)}`);
    expect((await publisher(await queuedEvent())).batchItemFailures).toEqual([]);
    expect(await listRecords(site.tenant.id)).toMatchObject([
      { path: 'huge.md', status: 'failed', error: 'Over 10 MB; not published' },
    ]);
    expect(github.filesAt('acme', site.repo, 'main').has('site/huge.html')).toBe(false);
  });

  it('50 uploads in one batch are one commit', async () => {
    const site = await publishingSite({ folder: '' });
    for (let i = 0; i < 50; i++) await put(`${prefix(site)}/p${i}.md`, `# Page ${i}`);
    const event = await queuedEvent();
    expect(event.Records).toHaveLength(50);
    expect((await publisher(event)).batchItemFailures).toEqual([]);
    expect(github.history('acme', site.repo, 'main')).toHaveLength(2);
    expect(github.filesAt('acme', site.repo, 'main').size).toBe(51);
  });

  it('a refused token fails the records with a clear message and is not retried', async () => {
    const site = await publishingSite();
    await saveToken(site.tenant.id, 'github_pat_revoked');
    await put(`${prefix(site)}/b.md`, '# B');
    expect((await publisher(await queuedEvent())).batchItemFailures).toEqual([]);
    const [record] = await listRecords(site.tenant.id);
    expect(record).toMatchObject({ path: 'b.md', status: 'failed', error: expect.stringMatching(/401/) });
    expect(github.history('acme', site.repo, 'main')).toHaveLength(1);
  });

  it("another site's prefix publishes only to that site, and only if it publishes at all", async () => {
    const mine = await publishingSite();
    const other = await createTestTenant({}, ['publish']);
    await put(`${prefix(other)}/intruder.md`, '# not mine');
    await publisher(await queuedEvent());
    expect(github.history('acme', mine.repo, 'main')).toHaveLength(1);
    expect(await listRecords(other.tenant.id)).toMatchObject([{ path: 'intruder.md', status: 'skipped' }]);
  });
});

describe('/publish API', () => {
  const app = createApp();
  const api = client(app);

  it('signs an upload an author PUTs without AWS credentials; it is published like any other', async () => {
    const site = await publishingSite();
    const content = '# Uploaded with a presigned PUT\n\nIt works.';
    const signed = await api.post(
      '/publish/uploads',
      { path: 'guides/start here.md', content_type: 'text/markdown', size: Buffer.byteLength(content) },
      withKey(site.apiKey),
    );
    expect(signed.status).toBe(201);
    const put = await fetch(signed.body.url, { method: 'PUT', headers: signed.body.headers, body: content });
    expect(put.status).toBe(200);
    // The signature covers size and type, so S3 refuses any other (moto does not check signatures; AWS does).
    expect(new URL(signed.body.url).searchParams.get('X-Amz-SignedHeaders')).toBe(
      'content-length;content-type;host',
    );
    await publisher(await queuedEvent());
    expect(
      github.filesAt('acme', site.repo, 'main').get('site/guides/start here.html')?.toString(),
    ).toContain('Uploaded with a presigned PUT');
    const records = (await api.get('/publish/records', withKey(site.apiKey))).body.records;
    expect(records).toEqual([
      expect.objectContaining({
        path: 'guides/start here.md',
        status: 'published',
        commitSha: expect.any(String),
      }),
    ]);
  });

  it('refuses paths with .., absolute paths, unknown types, a type that does not match, and oversized files', async () => {
    const site = await publishingSite();
    for (const body of [
      { path: '../escape.md', content_type: 'text/markdown', size: 10 },
      { path: '/etc/passwd.md', content_type: 'text/markdown', size: 10 },
      { path: 'a/./b.md', content_type: 'text/markdown', size: 10 },
      { path: 'run.exe', content_type: 'application/octet-stream', size: 10 },
      { path: 'logo.svg', content_type: 'image/svg+xml', size: 10 },
      { path: 'pic.png', content_type: 'text/html', size: 10 },
      { path: 'big.md', content_type: 'text/markdown', size: 50 * 1024 * 1024 },
    ]) {
      const res = await api.post('/publish/uploads', body, withKey(site.apiKey));
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
  });

  it("a publisher's token may upload; a plain user's finds nothing; a key without the scope is refused", async () => {
    const site = await createTestTenant({ settings: { publish: { enabled: true, repo: 'acme/none' } } }, [
      'auth',
      'publish',
    ]);
    const author = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, author.email), ['publisher']);
    const upload = { path: 'a.md', content_type: 'text/markdown', size: 5 };
    expect((await api.post('/publish/uploads', upload, bearer(author.token))).status).toBe(201);
    const reader = await registerAndLogin(app, site.apiKey);
    expect((await api.post('/publish/uploads', upload, bearer(reader.token))).status).toBe(404);
    const authOnly = await createTestTenant();
    expect((await api.post('/publish/uploads', upload, withKey(authOnly.apiKey))).status).toBe(403);
  });

  it('previews a page sanitised in the site layout, and re-publishes an upload through the outbox', async () => {
    const site = await publishingSite();
    const preview = await api.post(
      '/publish/preview',
      { markdown: '# Draft\n\n<img src=x onerror=alert(1)>' },
      withKey(site.apiKey),
    );
    expect(preview.status).toBe(200);
    expect(preview.body.title).toBe('Draft');
    expect(preview.body.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(preview.body.html).not.toContain('<img');
    await put(`${prefix(site)}/again.md`, '# Again');
    await publisher(await queuedEvent());
    expect(github.history('acme', site.repo, 'main')).toHaveLength(2);
    expect((await api.post('/publish/republish', { path: 'again.md' }, withKey(site.apiKey))).status).toBe(
      202,
    );
    expect((await api.post('/publish/republish', { path: 'never.md' }, withKey(site.apiKey))).status).toBe(
      404,
    );
    await relayOutbox();
    const event = await queuedEvent();
    expect(event.Records).toHaveLength(1);
    expect((await publisher(event)).batchItemFailures).toEqual([]);
    // Same content: nothing to commit, and the record keeps its commit.
    expect(github.history('acme', site.repo, 'main')).toHaveLength(2);
  });
});
