// A site's scrape jobs, for the API and the console alike: every call is scoped to the calling site, and another
// site's job is simply not found (S28). A job with a webhook gets a signing secret, shown once when it is made
// (or rotated) and kept sealed under the data key.
import { randomUUID } from 'node:crypto';
import { clock } from '../core/clock';
import { randomToken } from '../core/crypto';
import type { Tenant } from '../core/db/tenants';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../core/errors';
import { seal } from '../core/sealed';
import { type JobInput, LIMITS, type ScrapeJob } from './job';
import { nextRunOf } from './next-run';
import { queueRun, sendThroughOutbox } from './scheduler';
import {
  createJob,
  deleteJob,
  getJob,
  getRun,
  listJobs,
  listRuns,
  setWebhookSecret,
  updateDefinition,
} from './store';
import { webhookSecretContext } from './webhook-secret';

const notFound = () => new NotFoundError('No such scrape job', 'not_found');

async function newWebhookSecret(jobId: string) {
  const secret = `whsec_${randomToken(24)}`;
  return { secret, sealed: await seal(secret, webhookSecretContext(jobId)) };
}

export async function jobFor(tenant: Tenant, id: string): Promise<ScrapeJob> {
  const job = await getJob(id);
  if (!job || job.tenantId !== tenant.id) throw notFound();
  return job;
}

export const jobsFor = (tenant: Tenant) => listJobs(tenant.id);

export async function createJobFor(tenant: Tenant, input: JobInput) {
  if ((await listJobs(tenant.id)).length >= LIMITS.jobsPerSite) {
    throw new ConflictError(`A site can have at most ${LIMITS.jobsPerSite} scrape jobs`, 'too_many_jobs');
  }
  const id = randomUUID();
  const now = new Date(clock.now()).toISOString();
  const webhook = input.notify.webhook_url ? await newWebhookSecret(id) : undefined;
  const job: ScrapeJob = {
    ...input,
    id,
    tenantId: tenant.id,
    createdAt: now,
    updatedAt: now,
    webhookSecretSealed: webhook?.sealed,
    state: {
      nextRun: input.enabled ? nextRunOf(input.schedule, clock.seconds()) : undefined,
      consecutiveFailures: 0,
      failingNotified: false,
    },
  };
  await createJob(job);
  return { job, webhookSecret: webhook?.secret };
}

export async function updateJobFor(tenant: Tenant, id: string, input: JobInput) {
  const job = await jobFor(tenant, id);
  const nextRun = input.enabled ? nextRunOf(input.schedule, clock.seconds()) : undefined;
  if (!(await updateDefinition(id, input, nextRun, new Date(clock.now()).toISOString()))) throw notFound();
  // A webhook added later gets its secret now (shown once); an existing one keeps its secret.
  if (input.notify.webhook_url && !job.webhookSecretSealed)
    return { job: await jobFor(tenant, id), ...(await rotateWebhookSecret(tenant, id)) };
  return { job: await jobFor(tenant, id), webhookSecret: undefined };
}

/** A new signing secret for the job's webhook, shown this once. */
export async function rotateWebhookSecret(tenant: Tenant, id: string) {
  await jobFor(tenant, id);
  const webhook = await newWebhookSecret(id);
  await setWebhookSecret(id, webhook.sealed);
  return { webhookSecret: webhook.secret };
}

export async function deleteJobFor(tenant: Tenant, id: string): Promise<void> {
  await jobFor(tenant, id);
  await deleteJob(id);
}

/** "Run now": queued at once unless a run is going on (409: runs of one job never overlap). */
export async function runNow(tenant: Tenant, id: string): Promise<void> {
  await jobFor(tenant, id);
  const outcome = await queueRun(id, 'manual', undefined, sendThroughOutbox).catch((error: Error) => {
    throw new ServiceUnavailableError(`The run could not be queued (${error.name}); try again`);
  });
  if (outcome === 'busy') throw new ConflictError('A run of this job is going on', 'run_in_progress');
  if (outcome === 'gone') throw notFound();
}

/** One run of a job of the site (the console's link to its raw page names it by when it was due and its id). */
export async function runFor(tenant: Tenant, id: string, scheduledFor: string, runId: string) {
  await jobFor(tenant, id);
  return getRun(id, scheduledFor, runId);
}

export async function runsFor(tenant: Tenant, id: string, limit = 50) {
  await jobFor(tenant, id);
  return listRuns(id, limit);
}

/** A job as the API shows it: the definition and its state; the webhook secret never. */
export function jobView(job: ScrapeJob) {
  return {
    id: job.id,
    name: job.name,
    urls: job.urls,
    schedule: job.schedule,
    fields: job.fields,
    ignore: job.ignore,
    notify: { emails: job.notify.emails, webhook_url: job.notify.webhook_url ?? null },
    retention_days: job.retention_days,
    failure_threshold: job.failure_threshold,
    enabled: job.enabled,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    next_run: job.state.nextRun ? new Date(job.state.nextRun * 1000).toISOString() : null,
    last_run_at: job.state.lastRunAt ?? null,
    last_status: job.state.lastStatus ?? null,
    consecutive_failures: job.state.consecutiveFailures,
    running: (job.state.runningUntil ?? 0) > clock.seconds(),
  };
}
