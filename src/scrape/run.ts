// One scrape run, as the worker does it: for each URL, ask robots.txt, wait for the host's polite slot, fetch
// (retrying what may pass: timeouts, network errors, 5xx and 429, with backoff), keep the raw page in S3 and
// extract the fields; then compare with the last good run, notify when something really changed (or on the
// first run, on "failing" once after N failures in a row, and on recovery), and record the run.
import { clock } from '../core/clock';
import { logger } from '../core/log';
import { addLatencyMetric } from '../core/metrics';
import { OutboundError, outboundFetch, type Resolver } from '../core/outbound/fetch';
import { count } from '../core/stats';
import { compareRuns, describeChanges, hasChanges, type RunChanges, showValue } from './changes';
import { extractPage } from './extract';
import type { PageValues, ScrapeJob } from './job';
import { type Notice, notify } from './notify';
import { robotsFor, waitForSlot } from './politeness';
import { putSnapshot, snapshotKey } from './snapshots';
import { finishRun, getJob, putRun, type RunRecord } from './store';

export type RunMessage = {
  /** The run's id: the idempotency key, so a duplicate delivery runs once. */
  id: string;
  job_id: string;
  scheduled_for: string;
  trigger: 'schedule' | 'manual';
};

const ATTEMPTS = 3;
const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));

class PageError extends Error {}

type PageOutcome = RunRecord['pages'][number] & { values?: PageValues };

async function fetchPage(
  job: ScrapeJob,
  runId: string,
  index: number,
  raw: string,
  resolver?: Resolver,
): Promise<PageOutcome> {
  const url = new URL(raw);
  try {
    const robots = await robotsFor(url, resolver);
    if (!robots.allowed) throw new PageError('disallowed by robots.txt');
    for (let attempt = 1; ; attempt++) {
      await waitForSlot(url.origin, robots.delayMs);
      try {
        const response = await outboundFetch(raw, { resolver, headers: { accept: 'text/html,*/*;q=0.8' } });
        const retriable = response.status >= 500 || response.status === 429;
        if (retriable && attempt < ATTEMPTS) {
          await backoff(attempt);
          continue;
        }
        if (response.status < 200 || response.status > 299) {
          return { url: raw, httpStatus: response.status, fields: {}, error: `HTTP ${response.status}` };
        }
        const key = snapshotKey(job.tenantId, job.id, runId, index);
        await putSnapshot(key, response.body);
        const values = extractPage(response.body.toString('utf8'), raw, job.fields, job.ignore);
        return {
          url: raw,
          httpStatus: response.status,
          fields: values.fields,
          contentHash: values.textHash,
          snapshotKey: key,
          values,
        };
      } catch (error) {
        if (error instanceof OutboundError && error.transient && attempt < ATTEMPTS) {
          await backoff(attempt);
          continue;
        }
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof OutboundError || error instanceof PageError) {
      return { url: raw, fields: {}, error: error.message };
    }
    throw error;
  }
}

/** Runs one queued run; a duplicate or superseded message does nothing. Errors mean "retry the message". */
export async function runScrape(message: RunMessage, resolver?: Resolver): Promise<RunRecord | undefined> {
  const job = await getJob(message.job_id);
  if (!job || job.state.runId !== message.id) {
    logger.info('scrape run skipped: job gone or run superseded', {
      job_id: message.job_id,
      run_id: message.id,
    });
    return undefined;
  }
  const started = clock.now();
  const pages: PageOutcome[] = [];
  for (const [index, url] of job.urls.entries())
    pages.push(await fetchPage(job, message.id, index, url, resolver));

  const failed = pages.filter((p) => p.error);
  const ok = failed.length === 0;
  const values = pages.flatMap((p) => (p.values ? [p.values] : []));
  const changes = ok && job.state.baseline ? compareRuns(job.state.baseline, values) : undefined;
  const changed = changes ? hasChanges(changes) : false;
  const failures = ok ? 0 : job.state.consecutiveFailures + 1;
  const notice = noticeFor(job, { ok, changes, changed, failures, pages });

  const notified = notice ? await notify(job, notice, resolver) : [];
  const finishedAt = new Date(clock.now()).toISOString();
  const run: RunRecord = {
    jobId: job.id,
    runId: message.id,
    scheduledFor: message.scheduled_for,
    finishedAt,
    status: ok ? 'ok' : 'failed',
    trigger: message.trigger,
    durationMs: clock.now() - started,
    pages: pages.map(({ values: _, ...page }) => page),
    ...(changes && changed ? { changes } : {}),
    changed,
    notified,
    ...(ok ? {} : { error: failed.map((p) => `${p.url}: ${p.error}`).join('; ') }),
  };
  await putRun(run, job.retention_days);
  await finishRun(job.id, message.id, {
    lastRunAt: finishedAt,
    lastStatus: run.status,
    consecutiveFailures: failures,
    failingNotified: ok ? false : job.state.failingNotified || notice?.event === 'scrape.failing',
    ...(ok ? { baseline: values } : {}),
  });
  await count(job.tenantId, { scrape_runs: 1, ...(ok ? {} : { scrape_failures: 1 }) });
  addLatencyMetric('ScrapeRunDuration', run.durationMs);
  logger.info('scrape run finished', {
    tenant: job.tenantId,
    job_id: job.id,
    run_id: message.id,
    status: run.status,
    changed,
    duration_ms: run.durationMs,
  });
  return run;
}

function noticeFor(
  job: ScrapeJob,
  run: { ok: boolean; changes?: RunChanges; changed: boolean; failures: number; pages: PageOutcome[] },
): Notice | undefined {
  const many = job.urls.length > 1;
  const values = run.pages.flatMap((p) =>
    Object.entries(p.fields).map(
      ([field, value]) => `${field}${many ? ` (${p.url})` : ''}: ${showValue(value)}`,
    ),
  );
  const data = {
    pages: run.pages.map(({ url, fields, error }) => ({ url, fields, ...(error ? { error } : {}) })),
  };
  if (!run.ok) {
    if (run.failures < job.failure_threshold || job.state.failingNotified) return undefined;
    return {
      event: 'scrape.failing',
      title: `${job.name} is failing`,
      lines: [
        `The last ${run.failures} runs failed. You will hear again when it recovers.`,
        ...run.pages.flatMap((p) => (p.error ? [`${p.url}: ${p.error}`] : [])),
      ],
      data,
    };
  }
  const changeLines = run.changes && run.changed ? describeChanges(run.changes, many) : [];
  if (job.state.failingNotified) {
    return {
      event: 'scrape.recovered',
      title: `${job.name} works again`,
      lines: ['The job ran successfully again.', ...changeLines],
      data: { ...data, changes: run.changes },
    };
  }
  if (!job.state.baseline) {
    return {
      event: 'scrape.first_run',
      title: `${job.name}: first run`,
      lines: ['The job ran for the first time. It found:', ...values],
      data,
    };
  }
  if (!run.changed) return undefined;
  return {
    event: 'scrape.changed',
    title: `${job.name} changed`,
    lines: changeLines,
    data: { ...data, changes: run.changes },
  };
}
