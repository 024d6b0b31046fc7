// What the API and the console do for a site's publishing: sign uploads, list records, preview, re-publish.
import { randomUUID } from 'node:crypto';
import { clock } from '../core/clock';
import { putOutboxMessages } from '../core/db/outbox';
import type { Tenant } from '../core/db/tenants';
import { NotFoundError, ValidationError } from '../core/errors';
import { presignS3 } from '../core/s3-presign';
import { publishConfig } from './config';
import { applyLayout, DEFAULT_LAYOUT } from './layout';
import { listRecords, putRecord } from './records';
import { renderMarkdown } from './render';
import { publishSettings } from './settings';
import { ASSET_TYPES, sitePath, uploadKey } from './uploads';

const UPLOAD_SECONDS = 15 * 60;

export async function uploadUrl(tenant: Tenant, input: { path: string; content_type: string; size: number }) {
  const path = sitePath(input.path);
  if (!path) {
    throw new ValidationError([
      {
        field: 'path',
        message: `a relative path without "..", ending in .${Object.keys(ASSET_TYPES).join(', .')}`,
      },
    ]);
  }
  const ext = (/\.([a-z0-9]+)$/i.exec(path)?.[1] ?? '').toLowerCase();
  const expected = ASSET_TYPES[ext] as string;
  if (input.content_type.split(';')[0]?.trim().toLowerCase() !== expected) {
    throw new ValidationError([{ field: 'content_type', message: `must be ${expected} for .${ext}` }]);
  }
  const key = uploadKey(tenant.id, path);
  const headers = { 'content-type': expected, 'content-length': String(input.size) };
  const url = await presignS3('PUT', publishConfig().bucket, key, { expiresIn: UPLOAD_SECONDS, headers });
  await putRecord(tenant.id, { path, status: 'queued', updatedAt: new Date(clock.now()).toISOString() });
  return { url, method: 'PUT' as const, headers, key, expires_in: UPLOAD_SECONDS };
}

export async function recordsOf(tenant: Tenant) {
  const records = await listRecords(tenant.id);
  return records.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

export function previewPage(tenant: Tenant, markdown: string) {
  const settings = publishSettings(tenant).publish;
  const page = renderMarkdown(markdown);
  const html = applyLayout(settings.layout || DEFAULT_LAYOUT, {
    title: page.title,
    content: page.html,
    date: page.frontMatter.date ?? '',
    site_name: tenant.name,
    base_url: settings.base_url ?? '',
    index_url: 'index.html',
  });
  return { title: page.title, html, body: page.html, front_matter: page.frontMatter };
}

/** Queues the path again as if it had just been uploaded (an S3-shaped event through the outbox relay). */
export async function republish(tenant: Tenant, rawPath: string): Promise<void> {
  const path = sitePath(rawPath);
  const known = path && (await listRecords(tenant.id)).some((r) => r.path === path);
  if (!path || !known) throw new NotFoundError('No such upload', 'not_found');
  const key = uploadKey(tenant.id, path);
  const event = {
    Records: [
      {
        eventName: 'ObjectCreated:Republish',
        s3: {
          bucket: { name: publishConfig().bucket },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/') },
        },
      },
    ],
  };
  await putOutboxMessages([{ id: randomUUID(), queue: 'publish', body: JSON.stringify(event) }]);
}
