// /scrape: a site's scrape jobs and their runs. Callers are the site's servers (x-api-key with the `scrape` scope)
// or a site admin (Authorization: Bearer, a user with the tenant_admin role on that site).
import * as z from 'zod';
import { canManageTenant } from '../core/roles';
import { defineRoute } from '../docs';
import { featureRouter } from '../middleware/feature';
import { jsonOnly } from '../middleware/json-body';
import { noStore } from '../middleware/no-store';
import { requireKeyOrRole } from '../middleware/tenant';
import { parseBody, parseQuery } from '../middleware/validate';
import { jobInput } from './job';
import {
  createJobFor,
  deleteJobFor,
  jobFor,
  jobsFor,
  jobView,
  rotateWebhookSecret,
  runNow,
  runsFor,
  updateJobFor,
} from './jobs';

const scrape = featureRouter('/scrape');
scrape.use('*', noStore(), jsonOnly());

const callers = ['apiKey', 'bearer'] as const;
const jobSchema = z.object({ id: z.string(), name: z.string() }).passthrough();
const id = (c: { req: { param: (name: string) => string | undefined } }) => c.req.param('id') ?? '';

defineRoute(
  scrape,
  {
    method: 'get',
    path: '/jobs',
    operationId: 'listScrapeJobs',
    tag: 'scrape',
    summary: "The site's scrape jobs",
    security: [...callers],
    responses: { 200: { description: 'Jobs', schema: z.object({ jobs: z.array(jobSchema) }) } },
  },
  requireKeyOrRole('scrape', canManageTenant),
  async (c) => c.json({ jobs: (await jobsFor(c.var.tenant)).map(jobView) }),
);

defineRoute(
  scrape,
  {
    method: 'post',
    path: '/jobs',
    operationId: 'createScrapeJob',
    tag: 'scrape',
    summary: 'Make a scrape job; a webhook signing secret is shown this once',
    description:
      'URLs must be http(s) on ports 80/443; the schedule is an EventBridge Scheduler expression (rate, cron, at) with a time zone; fields are CSS selectors typed text, number, price, url or list.',
    security: [...callers],
    body: jobInput,
    responses: {
      201: {
        description: 'Created',
        schema: z.object({ job: jobSchema, webhook_secret: z.string().optional() }),
      },
      409: { description: 'The site has the most jobs it may have' },
    },
  },
  requireKeyOrRole('scrape', canManageTenant),
  async (c) => {
    const { job, webhookSecret } = await createJobFor(c.var.tenant, await parseBody(c, jobInput));
    return c.json({ job: jobView(job), ...(webhookSecret ? { webhook_secret: webhookSecret } : {}) }, 201);
  },
);

defineRoute(
  scrape,
  {
    method: 'get',
    path: '/jobs/:id',
    operationId: 'getScrapeJob',
    tag: 'scrape',
    summary: 'One job and its state',
    security: [...callers],
    responses: { 200: { description: 'The job', schema: jobSchema } },
  },
  requireKeyOrRole('scrape', canManageTenant),
  async (c) => c.json(jobView(await jobFor(c.var.tenant, id(c)))),
);

defineRoute(
  scrape,
  {
    method: 'put',
    path: '/jobs/:id',
    operationId: 'updateScrapeJob',
    tag: 'scrape',
    summary: 'Replace a job definition; its history and last values stay',
    security: [...callers],
    body: jobInput,
    responses: {
      200: {
        description: 'Saved',
        schema: z.object({ job: jobSchema, webhook_secret: z.string().optional() }),
      },
    },
  },
  requireKeyOrRole('scrape', canManageTenant),
  async (c) => {
    const { job, webhookSecret } = await updateJobFor(c.var.tenant, id(c), await parseBody(c, jobInput));
    return c.json({ job: jobView(job), ...(webhookSecret ? { webhook_secret: webhookSecret } : {}) });
  },
);

defineRoute(
  scrape,
  {
    method: 'delete',
    path: '/jobs/:id',
    operationId: 'deleteScrapeJob',
    tag: 'scrape',
    summary: 'Delete a job (its runs expire with their retention)',
    security: [...callers],
    responses: { 204: { description: 'Deleted' } },
  },
  requireKeyOrRole('scrape', canManageTenant),
  async (c) => {
    await deleteJobFor(c.var.tenant, id(c));
    return c.body(null, 204);
  },
);

defineRoute(
  scrape,
  {
    method: 'post',
    path: '/jobs/:id/run',
    operationId: 'runScrapeJob',
    tag: 'scrape',
    summary: 'Run a job now',
    security: [...callers],
    responses: {
      202: { description: 'Queued', schema: z.object({ status: z.literal('queued') }) },
      409: { description: 'A run of this job is going on' },
    },
  },
  requireKeyOrRole('scrape', canManageTenant),
  async (c) => {
    await runNow(c.var.tenant, id(c));
    return c.json({ status: 'queued' as const }, 202);
  },
);

defineRoute(
  scrape,
  {
    method: 'post',
    path: '/jobs/:id/webhook-secret',
    operationId: 'rotateScrapeWebhookSecret',
    tag: 'scrape',
    summary: "A new signing secret for the job's webhook, shown this once",
    security: [...callers],
    responses: { 200: { description: 'Rotated', schema: z.object({ webhook_secret: z.string() }) } },
  },
  requireKeyOrRole('scrape', canManageTenant),
  async (c) => c.json({ webhook_secret: (await rotateWebhookSecret(c.var.tenant, id(c))).webhookSecret }),
);

const runsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });
defineRoute(
  scrape,
  {
    method: 'get',
    path: '/jobs/:id/runs',
    operationId: 'listScrapeRuns',
    tag: 'scrape',
    summary: 'A job’s runs, newest first: values, status, changes',
    security: [...callers],
    description: '`?limit=` 1-200, default 50.',
    responses: {
      200: { description: 'Runs', schema: z.object({ runs: z.array(z.object({}).passthrough()) }) },
    },
  },
  requireKeyOrRole('scrape', canManageTenant),
  async (c) => {
    const { limit } = parseQuery(c, runsQuery);
    const runs = await runsFor(c.var.tenant, id(c), limit);
    return c.json({
      runs: runs.map(({ pages, ...run }) => ({ ...run, pages: pages.map(({ snapshotKey: _, ...p }) => p) })),
    });
  },
);

export default scrape;
