// /publish: authors' uploads without AWS credentials (a presigned PUT, limited in size and type), the records of
// what happened to each path, a preview of a page, and re-publishing one. Callers: the site's key with the
// `publish` scope, or a signed-in user with the publisher (or site admin) role.
import * as z from 'zod';
import { canPublish } from '../core/roles';
import { defineRoute } from '../docs';
import { featureRouter } from '../middleware/feature';
import { jsonOnly } from '../middleware/json-body';
import { noStore } from '../middleware/no-store';
import { requireKeyOrRole } from '../middleware/tenant';
import { parseBody } from '../middleware/validate';
import { previewPage, recordsOf, republish, uploadUrl } from './service';
import { MAX_UPLOAD_BYTES } from './uploads';

const publish = featureRouter('/publish');
publish.use('*', noStore(), jsonOnly());

const callers = ['apiKey', 'bearer'] as const;
const uploadBody = z.strictObject({
  path: z.string().min(1).max(300),
  content_type: z.string().min(1).max(100),
  size: z.number().int().min(1).max(MAX_UPLOAD_BYTES),
});

defineRoute(
  publish,
  {
    method: 'post',
    path: '/uploads',
    operationId: 'createPublishUpload',
    tag: 'publish',
    summary: 'A presigned PUT for one file (markdown, image or other asset) of the site',
    description:
      'PUT the file to `url` with exactly the `headers` given, within 15 minutes. Paths are relative, without `..`; types and the size are fixed by the signature.',
    security: [...callers],
    body: uploadBody,
    responses: {
      201: {
        description: 'Signed',
        schema: z.object({
          url: z.string(),
          method: z.literal('PUT'),
          headers: z.record(z.string(), z.string()),
          key: z.string(),
          expires_in: z.number(),
        }),
      },
    },
  },
  requireKeyOrRole('publish', canPublish),
  async (c) => c.json(await uploadUrl(c.var.tenant, await parseBody(c, uploadBody)), 201),
);

defineRoute(
  publish,
  {
    method: 'get',
    path: '/records',
    operationId: 'listPublishRecords',
    tag: 'publish',
    summary:
      'What happened to each uploaded path: queued, published (with the commit), failed (why) or skipped',
    security: [...callers],
    responses: {
      200: { description: 'Records', schema: z.object({ records: z.array(z.object({}).passthrough()) }) },
    },
  },
  requireKeyOrRole('publish', canPublish),
  async (c) => c.json({ records: await recordsOf(c.var.tenant) }),
);

const previewBody = z.strictObject({ markdown: z.string().max(1024 * 1024) });
defineRoute(
  publish,
  {
    method: 'post',
    path: '/preview',
    operationId: 'previewPublishPage',
    tag: 'publish',
    summary: 'A page as it would be published (sanitised HTML in the site layout), without publishing it',
    security: [...callers],
    body: previewBody,
    responses: {
      200: {
        description: 'Rendered',
        schema: z.object({ title: z.string(), html: z.string(), front_matter: z.object({}).passthrough() }),
      },
    },
  },
  requireKeyOrRole('publish', canPublish),
  async (c) => c.json(previewPage(c.var.tenant, (await parseBody(c, previewBody)).markdown)),
);

const republishBody = z.strictObject({ path: z.string().min(1).max(300) });
defineRoute(
  publish,
  {
    method: 'post',
    path: '/republish',
    operationId: 'republishPage',
    tag: 'publish',
    summary: 'Publish an uploaded path again (after a layout or token change)',
    security: [...callers],
    body: republishBody,
    responses: { 202: { description: 'Queued', schema: z.object({ status: z.literal('queued') }) } },
  },
  requireKeyOrRole('publish', canPublish),
  async (c) => {
    await republish(c.var.tenant, (await parseBody(c, republishBody)).path);
    return c.json({ status: 'queued' as const }, 202);
  },
);

export default publish;
