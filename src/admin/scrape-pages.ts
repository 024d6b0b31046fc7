// Console pages for scrape jobs: the site's jobs with their last and next runs and "Run now"; a job's page with
// its run history, a chart of each numeric field, its changes and a link to the last raw page; and the form that
// makes and edits jobs. Scraped text is only ever shown escaped (S45): templates autoescape, the chart escapes.
import { type Context, Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { audit } from '../core/audit';
import type { Tenant } from '../core/db/tenants';
import { AppError, NotFoundError } from '../core/errors';
import { canManageTenant } from '../core/roles';
import { requestMeta } from '../middleware/request-meta';
import {
  createJobFor,
  deleteJobFor,
  describeChanges,
  jobById,
  jobsFor,
  lineChartSvg,
  numericSeries,
  type RunRecord,
  runFor,
  runNow,
  runsFor,
  type ScrapeJob,
  showValue,
  snapshotLink,
  updateJobFor,
} from '../scrape';
import { consoleForm, noticeOf, requireConsole } from './access';
import { renderConsole } from './render';
import { formOf, jobFromForm } from './scrape-form';
import type { FieldErrors } from './tenant-forms';
import { managedTenants } from './tenant-pages';

const jobPath = (id: string) => `/admin/scrape/jobs/${encodeURIComponent(id)}`;

async function selectedTenant(c: Context<AppEnv>): Promise<{ tenants: Tenant[]; tenant?: Tenant }> {
  const tenants = await managedTenants(c);
  return { tenants, tenant: tenants.find((t) => t.id === c.req.query('tenant')) ?? tenants[0] };
}

/** The job and its site, if this admin manages it; otherwise it does not exist. */
async function managedJob(c: Context<AppEnv>): Promise<{ job: ScrapeJob; tenant: Tenant }> {
  const job = await jobById(c.req.param('id') ?? '');
  if (!job || !canManageTenant(c.var.admin, job.tenantId)) throw new NotFoundError('No such scrape job');
  const tenant = (await managedTenants(c)).find((t) => t.id === job.tenantId);
  if (!tenant) throw new NotFoundError('No such scrape job');
  return { job, tenant };
}

const view = (job: ScrapeJob) => ({
  ...job,
  next_run: job.state.nextRun ? new Date(job.state.nextRun * 1000).toISOString() : undefined,
  last_run_at: job.state.lastRunAt,
  last_status: job.state.lastStatus,
  failing: job.state.consecutiveFailures,
});

function runView(run: RunRecord, multiplePages: boolean) {
  return {
    ...run,
    values: run.pages.flatMap((p) =>
      Object.entries(p.fields).map(
        ([field, value]) => `${field}${multiplePages ? ` (${p.url})` : ''}: ${showValue(value)}`,
      ),
    ),
    change_lines: run.changes ? describeChanges(run.changes, multiplePages) : [],
    errors: run.pages.flatMap((p) => (p.error ? [`${p.url}: ${p.error}`] : [])),
  };
}

async function listPage(
  c: Context<AppEnv>,
  extra: { errors?: FieldErrors; values?: unknown; status?: number } = {},
) {
  const { tenants, tenant } = await selectedTenant(c);
  const jobs = tenant ? await jobsFor(tenant) : [];
  return renderConsole(
    c,
    'scrape-jobs.html.njk',
    {
      title: 'Scrape jobs',
      admin: c.var.admin,
      nav: 'scrape',
      tenants,
      selected: tenant?.id,
      jobs: jobs.map(view),
      values: extra.values ?? formOf(),
      errors: extra.errors ?? {},
      notice: noticeOf(c),
    },
    extra.status,
  );
}

async function jobPage(
  c: Context<AppEnv>,
  job: ScrapeJob,
  extra: { errors?: FieldErrors; values?: unknown; status?: number; webhookSecret?: string } = {},
) {
  const tenant = (await managedTenants(c)).find((t) => t.id === job.tenantId) as Tenant;
  const runs = await runsFor(tenant, job.id, 100);
  const many = job.urls.length > 1;
  const charts = [...numericSeries(runs)].map(([field, series]) => ({
    field,
    svg: lineChartSvg(`${field} over time`, series),
  }));
  const lastSnapshot = runs.find((r) => r.pages.some((p) => p.snapshotKey));
  return renderConsole(
    c,
    'scrape-job.html.njk',
    {
      title: job.name,
      admin: c.var.admin,
      nav: 'scrape',
      job: view(job),
      tenant,
      runs: runs.slice(0, 30).map((r) => runView(r, many)),
      changes: runs
        .filter((r) => r.changed)
        .slice(0, 20)
        .map((r) => runView(r, many)),
      charts,
      last_snapshot:
        lastSnapshot &&
        `${jobPath(job.id)}/runs/${encodeURIComponent(lastSnapshot.runId)}/snapshot?at=${encodeURIComponent(lastSnapshot.scheduledFor)}`,
      values: extra.values ?? formOf(job),
      errors: extra.errors ?? {},
      webhook_secret: extra.webhookSecret,
      notice: noticeOf(c),
    },
    extra.status,
  );
}

const adminAudit = (c: Context<AppEnv>, tenantId: string, event: string, jobId: string) =>
  audit(requestMeta(c), {
    tenantId,
    event,
    outcome: 'success',
    userId: c.var.admin.userId,
    detail: { job_id: jobId },
  });

export const scrapePages = new Hono<AppEnv>()
  .use('/scrape', requireConsole())
  .use('/scrape/*', requireConsole())
  .get('/scrape', (c) => listPage(c))
  .post('/scrape', async (c) => {
    const field = await consoleForm(c);
    const { tenant } = await selectedTenant(c);
    if (!tenant) throw new NotFoundError('No such site');
    const parsed = jobFromForm(field);
    if (!parsed.input)
      return listPage(c, { errors: parsed.errors, values: formOf(undefined, field), status: 422 });
    let created: Awaited<ReturnType<typeof createJobFor>>;
    try {
      created = await createJobFor(tenant, parsed.input);
    } catch (error) {
      // Too many jobs for the site: said on the form, with what was typed kept.
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      return listPage(c, {
        errors: { name: error.detail },
        values: formOf(undefined, field),
        status: error.status,
      });
    }
    const { job, webhookSecret } = created;
    await adminAudit(c, tenant.id, 'admin_scrape_job_created', job.id);
    if (webhookSecret) return jobPage(c, job, { webhookSecret });
    return c.redirect(`${jobPath(job.id)}?notice=scrape_job_created`, 303);
  })
  .get('/scrape/jobs/:id', async (c) => jobPage(c, (await managedJob(c)).job))
  .post('/scrape/jobs/:id', async (c) => {
    const field = await consoleForm(c);
    const { job, tenant } = await managedJob(c);
    const parsed = jobFromForm(field);
    if (!parsed.input)
      return jobPage(c, job, { errors: parsed.errors, values: formOf(undefined, field), status: 422 });
    const saved = await updateJobFor(tenant, job.id, parsed.input);
    await adminAudit(c, tenant.id, 'admin_scrape_job_updated', job.id);
    if (saved.webhookSecret) return jobPage(c, saved.job, { webhookSecret: saved.webhookSecret });
    return c.redirect(`${jobPath(job.id)}?notice=scrape_job_saved`, 303);
  })
  .post('/scrape/jobs/:id/run', async (c) => {
    await consoleForm(c);
    const { job, tenant } = await managedJob(c);
    const notice = await runNow(tenant, job.id).then(
      () => 'scrape_run_queued',
      (error) => {
        if (error instanceof AppError && error.code === 'run_in_progress') return 'scrape_run_busy';
        throw error;
      },
    );
    if (notice === 'scrape_run_queued') await adminAudit(c, tenant.id, 'admin_scrape_job_run', job.id);
    const back =
      c.req.query('back') === 'list'
        ? `/admin/scrape?tenant=${encodeURIComponent(tenant.id)}&`
        : `${jobPath(job.id)}?`;
    return c.redirect(`${back}notice=${notice}`, 303);
  })
  .post('/scrape/jobs/:id/delete', async (c) => {
    await consoleForm(c);
    const { job, tenant } = await managedJob(c);
    await deleteJobFor(tenant, job.id);
    await adminAudit(c, tenant.id, 'admin_scrape_job_deleted', job.id);
    return c.redirect(`/admin/scrape?tenant=${encodeURIComponent(tenant.id)}&notice=scrape_job_deleted`, 303);
  })
  .get('/scrape/jobs/:id/runs/:run/snapshot', async (c) => {
    const { job, tenant } = await managedJob(c);
    const at = c.req.query('at') ?? '';
    const run = /^[\d:.TZ-]{1,40}$/.test(at)
      ? await runFor(tenant, job.id, at, c.req.param('run'))
      : undefined;
    const key = run?.pages.find((p) => p.snapshotKey)?.snapshotKey;
    if (!key) throw new NotFoundError('No snapshot for this run');
    return c.redirect(await snapshotLink(key), 303);
  });
