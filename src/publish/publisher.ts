// MarkdownPublisherFunction: S3 notifications (via PublishQueue) to one commit per site per batch. Each site's
// batch runs under the site's lease (another batch for it waits and retries); keys outside a site's prefix or with
// `..` are dropped; markdown becomes a sanitised page in the site's layout, assets are copied, removed objects
// delete their files, and the index page is rebuilt. Records say what happened to every path. A refused token
// fails the records with a clear message and is not retried; anything else is retried by SQS, then the DLQ.
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { WORKER_LIMITS } from '../core/aws-limits';
import { clock } from '../core/clock';
import { getTenantById } from '../core/db/tenants';
import { reportError } from '../core/error-reporting';
import { escapeHtml } from '../core/html';
import { logger } from '../core/log';
import { addLatencyMetric } from '../core/metrics';
import { count } from '../core/stats';
import { githubConfig, publishConfig } from './config';
import { commitFiles, type FileChange, PublishAuthError } from './github';
import { applyLayout, DEFAULT_LAYOUT } from './layout';
import { listRecords, type PublishRecord, putRecord, releaseLease, takeLease } from './records';
import { renderMarkdown } from './render';
import { publishSettings } from './settings';
import { readToken } from './token';
import { MARKDOWN, MAX_UPLOAD_BYTES, parseUploadKey, repoPath } from './uploads';

class TooLargeError extends Error {}

type S3Notification = {
  Event?: string;
  Records?: { eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } }[];
};
type Change = { messageId: string; key: string; path: string; removed: boolean };

const LEASE_MS = 5 * 60_000;
let s3: S3Client | undefined;
const client = () => (s3 ??= new S3Client({ ...WORKER_LIMITS, forcePathStyle: true }));

/** The changes an SQS message carries, by site; keys we must not publish are dropped here, with a log line. */
function changesOf(messageId: string, body: string): Map<string, Change[]> {
  const bySite = new Map<string, Change[]>();
  let event: S3Notification;
  try {
    event = JSON.parse(body) as S3Notification;
  } catch {
    logger.error('publish queue message is not JSON; dropped', { message_id: messageId });
    return bySite;
  }
  for (const record of event.Records ?? []) {
    const raw = record.s3?.object?.key;
    if (!raw || record.s3?.bucket?.name !== publishConfig().bucket) continue;
    const key = decodeURIComponent(raw.replace(/\+/g, ' '));
    const parsed = parseUploadKey(key);
    if (!parsed) {
      logger.warn('upload key outside any site or with a bad path; not published', { message_id: messageId });
      continue;
    }
    const removed = (record.eventName ?? '').startsWith('ObjectRemoved');
    const list = bySite.get(parsed.tenantId) ?? [];
    list.push({ messageId, key, path: parsed.path, removed });
    bySite.set(parsed.tenantId, list);
  }
  return bySite;
}

async function readObject(key: string): Promise<Buffer | undefined> {
  try {
    const out = await client().send(new GetObjectCommand({ Bucket: publishConfig().bucket, Key: key }));
    // Presigned uploads are capped by their signature; `aws s3 cp` is not, so the cap is checked here too.
    if ((out.ContentLength ?? 0) > MAX_UPLOAD_BYTES) {
      await out.Body?.transformToByteArray().catch(() => undefined);
      throw new TooLargeError();
    }
    return Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  } catch (error) {
    // Deleted again before we got to it: its removal event follows.
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

function indexPage(
  pages: PublishRecord[],
  folder: string,
  siteName: string,
  layout: string,
  baseUrl: string,
) {
  const sorted = [...pages].sort(
    (a, b) => (b.date ?? '').localeCompare(a.date ?? '') || (a.title ?? '').localeCompare(b.title ?? ''),
  );
  const relative = (target: string) => (folder ? target.slice(folder.length + 1) : target);
  const items = sorted
    .map(
      (p) =>
        `<li><a href="${escapeHtml(relative(p.target ?? ''))}">${escapeHtml(p.title ?? p.path)}</a>${p.date ? ` <time>${escapeHtml(p.date)}</time>` : ''}</li>`,
    )
    .join('\n');
  const content = `<h1>${escapeHtml(siteName)}</h1>\n<ul class="pages">\n${items}\n</ul>`;
  return applyLayout(layout, {
    title: siteName,
    content,
    date: '',
    site_name: siteName,
    base_url: baseUrl,
    index_url: 'index.html',
  });
}

/** The index page, relative to a page at `target` (both live under the site's folder). */
function indexUrlFrom(target: string, folder: string): string {
  const within = folder ? target.slice(folder.length + 1) : target;
  return `${'../'.repeat(within.split('/').length - 1)}index.html`;
}

/** Publishes one site's changes in one commit; records every path's outcome. */
export async function publishSite(tenantId: string, changes: Change[]): Promise<void> {
  const now = new Date(clock.now()).toISOString();
  const latest = new Map(changes.map((c) => [c.path, c])); // the last event for a path wins
  const tenant = await getTenantById(tenantId);
  const settings = tenant ? publishSettings(tenant).publish : undefined;
  const record = (path: string, fields: Omit<PublishRecord, 'path' | 'updatedAt'>) =>
    putRecord(tenantId, { path, updatedAt: now, ...fields });
  if (!tenant || !settings?.enabled || !settings.repo) {
    for (const path of latest.keys())
      await record(path, { status: 'skipped', error: 'Publishing is off for this site' });
    return;
  }
  const token = await readToken(tenantId);
  if (!token) {
    for (const path of latest.keys())
      await record(path, { status: 'failed', error: 'No GitHub token is set for this site' });
    return;
  }
  const layout = settings.layout || DEFAULT_LAYOUT;
  const siteName = tenant.name;
  const baseUrl = settings.base_url ?? '';
  const known = new Map((await listRecords(tenantId)).map((r) => [r.path, r]));
  const files: FileChange[] = [];
  const outcomes = new Map<string, Omit<PublishRecord, 'path' | 'updatedAt'>>();

  for (const change of latest.values()) {
    const previous = known.get(change.path);
    let body: Buffer | undefined;
    try {
      body = change.removed ? undefined : await readObject(change.key);
    } catch (error) {
      if (!(error instanceof TooLargeError)) throw error;
      outcomes.set(change.path, {
        status: 'failed',
        error: `Over ${MAX_UPLOAD_BYTES / 1024 / 1024} MB; not published`,
      });
      continue;
    }
    if (!body) {
      const target = previous?.target ?? repoPath(settings.folder, change.path);
      files.push({ path: target, delete: true });
      outcomes.set(change.path, { status: 'published', removed: true, target });
      continue;
    }
    if (!MARKDOWN.test(change.path)) {
      const target = repoPath(settings.folder, change.path);
      files.push({ path: target, content: body });
      outcomes.set(change.path, { status: 'published', target });
      continue;
    }
    try {
      const page = renderMarkdown(body.toString('utf8'));
      const target = repoPath(settings.folder, change.path, page.frontMatter.slug);
      if (previous?.target && previous.target !== target) files.push({ path: previous.target, delete: true });
      if (page.frontMatter.draft) {
        if (previous?.target && previous.status === 'published' && !previous.removed)
          files.push({ path: previous.target, delete: true });
        outcomes.set(change.path, {
          status: 'skipped',
          error: 'draft: true',
          title: page.title,
          draft: true,
        });
        continue;
      }
      const html = applyLayout(layout, {
        title: page.title,
        content: page.html,
        date: page.frontMatter.date ?? '',
        site_name: siteName,
        base_url: baseUrl,
        index_url: indexUrlFrom(target, settings.folder),
      });
      files.push({ path: target, content: Buffer.from(html) });
      outcomes.set(change.path, {
        status: 'published',
        target,
        title: page.title,
        date: page.frontMatter.date,
      });
    } catch (error) {
      outcomes.set(change.path, {
        status: 'failed',
        error: `Could not render: ${(error as Error).message.slice(0, 200)}`,
      });
    }
  }

  // The index lists every published page, unless the site wrote its own index.md.
  const pages = new Map(
    [...known].filter(([, r]) => r.status === 'published' && !r.removed && MARKDOWN.test(r.path)),
  );
  for (const [path, outcome] of outcomes) {
    if (outcome.status === 'published' && !outcome.removed && MARKDOWN.test(path))
      pages.set(path, { path, updatedAt: now, ...outcome });
    else pages.delete(path);
  }
  if (![...pages.keys()].some((p) => /^index\.(md|markdown)$/i.test(p))) {
    files.push({
      path: repoPath(settings.folder, 'index.html'),
      content: Buffer.from(indexPage([...pages.values()], settings.folder, siteName, layout, baseUrl)),
    });
  }

  const [owner, repo] = settings.repo.split('/') as [string, string];
  const published = [...outcomes.values()].filter((o) => o.status === 'published').length;
  try {
    const result = await commitFiles(
      { owner, repo, branch: settings.branch, token },
      files,
      `Publish ${published} file${published === 1 ? '' : 's'} from lambdalith`,
      githubConfig().apiUrl,
    );
    for (const [path, outcome] of outcomes) {
      const commit =
        outcome.status === 'published'
          ? result.sha
            ? { commitSha: result.sha, commitUrl: result.url }
            : { commitSha: known.get(path)?.commitSha, commitUrl: known.get(path)?.commitUrl }
          : {};
      await record(path, { ...outcome, ...commit });
    }
    // A publish is a batch committed (or found already there); a retried batch counts once more, as it ran again.
    await count(tenantId, { publishes: 1 });
    logger.info('published', { tenant: tenantId, files: files.length, commit: result.sha ?? 'unchanged' });
  } catch (error) {
    if (!(error instanceof PublishAuthError)) throw error;
    for (const [path, outcome] of outcomes)
      await record(path, { ...outcome, status: 'failed', error: error.message });
    await count(tenantId, { publish_failures: 1 });
    logger.warn('publishing refused by GitHub', { tenant: tenantId, error: error.message });
  }
}

/** The SQS handler: each site's batch under its lease; a site busy elsewhere, or failing, retries later. */
export function createPublisher() {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const bySite = new Map<string, Change[]>();
    for (const record of event.Records) {
      for (const [tenantId, changes] of changesOf(record.messageId, record.body)) {
        bySite.set(tenantId, [...(bySite.get(tenantId) ?? []), ...changes]);
      }
    }
    const failed = new Set<string>();
    const holder = randomUUID();
    for (const [tenantId, changes] of bySite) {
      const ids = changes.map((c) => c.messageId);
      if (!(await takeLease(tenantId, holder, clock.now(), clock.now() + LEASE_MS))) {
        for (const id of ids) failed.add(id);
        continue;
      }
      const started = clock.now();
      try {
        await publishSite(tenantId, changes);
        addLatencyMetric('PublishDuration', clock.now() - started);
      } catch (error) {
        await count(tenantId, { publish_failures: 1 });
        await reportError(error, { feature: 'publish', tenant: tenantId });
        logger.error('publishing failed; SQS will retry', { tenant: tenantId, error: error as Error });
        for (const id of ids) failed.add(id);
      } finally {
        await releaseLease(tenantId, holder);
      }
    }
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
