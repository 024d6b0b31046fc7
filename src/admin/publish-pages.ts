// Console page for a site's publishing: settings (the GitHub token is write-only: never shown, only "set"), an
// upload form, a preview, and the record of every upload with its commit and a re-publish button.
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { audit } from '../core/audit';
import { putTenant, type Tenant } from '../core/db/tenants';
import { AppError, NotFoundError, UnsupportedMediaTypeError, ValidationError } from '../core/errors';
import { assertCsrf } from '../middleware/csrf';
import { requestMeta } from '../middleware/request-meta';
import {
  DEFAULT_LAYOUT,
  hasToken,
  MAX_UPLOAD_BYTES,
  previewPage,
  publishSettings,
  recordsOf,
  republish,
  saveToken,
  sitePath,
  unknownPlaceholders,
  uploadUrl,
} from '../publish';
import { assertManages, consoleForm, noticeOf, requireConsole } from './access';
import { renderConsole } from './render';
import type { FieldErrors } from './tenant-forms';
import { managedTenants } from './tenant-pages';

async function siteOf(c: Context<AppEnv>): Promise<{ tenants: Tenant[]; tenant: Tenant }> {
  const tenants = await managedTenants(c);
  const tenant = tenants.find((t) => t.id === c.req.query('tenant')) ?? tenants[0];
  if (!tenant) throw new NotFoundError('No such site');
  assertManages(c, tenant.id);
  return { tenants, tenant };
}

const back = (tenant: Tenant, notice: string) =>
  `/admin/publish?tenant=${encodeURIComponent(tenant.id)}&notice=${notice}`;

async function page(
  c: Context<AppEnv>,
  extra: { errors?: FieldErrors; values?: Record<string, unknown>; preview?: unknown; status?: number } = {},
) {
  const { tenants, tenant } = await siteOf(c);
  const settings = publishSettings(tenant).publish;
  return renderConsole(
    c,
    'publish.html.njk',
    {
      title: 'Publishing',
      admin: c.var.admin,
      nav: 'publish',
      tenants,
      tenant,
      selected: tenant.id,
      values: extra.values ?? { ...settings, layout: settings.layout || DEFAULT_LAYOUT },
      token_set: await hasToken(tenant.id),
      records: await recordsOf(tenant),
      preview: extra.preview,
      errors: extra.errors ?? {},
      max_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
      notice: noticeOf(c),
    },
    extra.status,
  );
}

function settingsFromForm(field: (name: string) => string) {
  const errors: FieldErrors = {};
  const repo = field('repo').trim();
  const branch = field('branch').trim() || 'main';
  const folder = field('folder')
    .trim()
    .replace(/^\/+|\/+$/g, '');
  const baseUrl = field('base_url').trim();
  const layout = field('layout').replace(/\r\n/g, '\n');
  if (repo && !/^[\w.-]{1,100}\/[\w.-]{1,100}$/.test(repo)) errors.repo = 'write it as owner/repo';
  if (field('enabled') === 'on' && !repo) errors.repo = 'needed to publish';
  if (!/^[\w./-]{1,100}$/.test(branch)) errors.branch = 'letters, digits, . / - and _';
  if (folder && (!/^[\w.-]+(\/[\w.-]+)*$/.test(folder) || folder.split('/').includes('..'))) {
    errors.folder = 'a relative folder without ..';
  }
  if (baseUrl && (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol))) {
    errors.base_url = 'an http(s) URL';
  }
  if (layout.length > 50_000) errors.layout = 'at most 50,000 characters';
  const unknown = unknownPlaceholders(layout);
  if (unknown.length) errors.layout = `unknown placeholders: ${unknown.join(', ')}`;
  else if (layout && !layout.includes('{{ content }}') && !/\{\{\s*content\s*\}\}/.test(layout)) {
    errors.layout = 'must show {{ content }}';
  }
  const token = field('token').trim();
  if (token && !/^[\w-]{20,255}$/.test(token))
    errors.token = 'a GitHub token (github_pat_..., ghp_... or ghs_...)';
  const values = { enabled: field('enabled') === 'on', repo, branch, folder, base_url: baseUrl, layout };
  return { errors, values, token };
}

export const publishPages = new Hono<AppEnv>()
  .use('/publish', requireConsole())
  .use('/publish/*', requireConsole())
  .get('/publish', (c) => page(c))
  .post('/publish/settings', async (c) => {
    const field = await consoleForm(c);
    const { tenant } = await siteOf(c);
    const { errors, values, token } = settingsFromForm(field);
    if (Object.keys(errors).length) return page(c, { errors, values, status: 422 });
    const layout = values.layout.trim() === DEFAULT_LAYOUT.trim() ? '' : values.layout;
    await putTenant({
      ...tenant,
      settings: {
        ...tenant.settings,
        publish: { ...values, layout, ...(values.base_url ? {} : { base_url: undefined }) },
      },
    });
    if (token) await saveToken(tenant.id, token);
    await audit(requestMeta(c), {
      tenantId: tenant.id,
      event: 'admin_publish_settings_saved',
      outcome: 'success',
      userId: c.var.admin.userId,
      detail: { token_replaced: token ? 'yes' : 'no' },
    });
    return c.redirect(back(tenant, 'publish_saved'), 303);
  })
  .post('/publish/upload', async (c) => {
    if (!/^multipart\/form-data/i.test(c.req.header('content-type') ?? '')) {
      throw new UnsupportedMediaTypeError('multipart/form-data');
    }
    const body = await c.req.parseBody();
    if (!c.req.header('authorization'))
      assertCsrf(c, typeof body.csrf_token === 'string' ? body.csrf_token : '');
    const { tenant } = await siteOf(c);
    const file = body.file;
    if (!(file instanceof File) || file.size === 0)
      return page(c, { errors: { file: 'choose a file' }, status: 422 });
    const named = typeof body.path === 'string' && body.path.trim() ? body.path.trim() : file.name;
    const path = sitePath(named);
    if (!path)
      return page(c, { errors: { path: 'a relative path without .., ending in a known type' }, status: 422 });
    if (file.size > MAX_UPLOAD_BYTES)
      return page(c, { errors: { file: `at most ${MAX_UPLOAD_BYTES} bytes` }, status: 413 });
    const type = path.endsWith('.md') || path.endsWith('.markdown') ? 'text/markdown' : file.type;
    try {
      const signed = await uploadUrl(tenant, { path, content_type: type, size: file.size });
      const put = await fetch(signed.url, {
        method: 'PUT',
        headers: signed.headers,
        body: Buffer.from(await file.arrayBuffer()),
      });
      if (!put.ok) throw new Error(`S3 answered ${put.status}`);
    } catch (error) {
      if (error instanceof ValidationError) {
        return page(c, {
          errors: Object.fromEntries(
            error.fields.map((f) => [f.field === 'content_type' ? 'file' : f.field, f.message]),
          ),
          status: 422,
        });
      }
      throw error;
    }
    await audit(requestMeta(c), {
      tenantId: tenant.id,
      event: 'admin_publish_upload',
      outcome: 'success',
      userId: c.var.admin.userId,
      detail: { path },
    });
    return c.redirect(back(tenant, 'publish_uploaded'), 303);
  })
  .post('/publish/preview', async (c) => {
    const field = await consoleForm(c);
    const { tenant } = await siteOf(c);
    const preview = previewPage(tenant, field('markdown'));
    return page(c, { preview: { title: preview.title, body: preview.body, markdown: field('markdown') } });
  })
  .post('/publish/republish', async (c) => {
    const field = await consoleForm(c);
    const { tenant } = await siteOf(c);
    try {
      await republish(tenant, field('path'));
    } catch (error) {
      if (error instanceof AppError && error.status === 404)
        return c.redirect(back(tenant, 'publish_unknown'), 303);
      throw error;
    }
    return c.redirect(back(tenant, 'publish_requeued'), 303);
  });
