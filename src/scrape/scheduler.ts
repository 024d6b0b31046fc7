// The every-minute scheduler (ScraperFunction) and "Run now": find due jobs with a query on the due-index (no
// Scan), claim each occurrence with a conditional write, and queue one message per run on ScrapeQueue. A claim
// whose message cannot be queued is released, so the next minute tries again; nothing is lost or run twice.
import { randomUUID } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { WORKER_LIMITS } from '../core/aws-limits';
import { clock } from '../core/clock';
import { putOutboxMessages } from '../core/db/outbox';
import { logger } from '../core/log';
import { scrapeQueueConfig } from './config';
import { nextRunOf } from './next-run';
import type { RunMessage } from './run';
import { claimRun, dueJobs, getJob, releaseClaim, skipOccurrence } from './store';

/** How long a claimed run holds the job: the worker's timeout plus queue time. A crashed run frees it after. */
export const RUN_LEASE_SECONDS = 15 * 60;
const PAGE = 100;
const MAX_PER_MINUTE = 1000;

let sqs: SQSClient | undefined;

/** The scheduler (a worker) sends straight to ScrapeQueue. */
async function sendToQueue(message: RunMessage): Promise<void> {
  sqs ??= new SQSClient(WORKER_LIMITS);
  await sqs.send(
    new SendMessageCommand({ QueueUrl: scrapeQueueConfig().queueUrl, MessageBody: JSON.stringify(message) }),
  );
}

/** Requests ("Run now") queue through the outbox, like every job a request makes; its relay sends it on. */
export async function sendThroughOutbox(message: RunMessage): Promise<void> {
  await putOutboxMessages([{ id: message.id, queue: 'scrape', body: JSON.stringify(message) }]);
}

export type QueueOutcome = 'queued' | 'busy' | 'gone';

/** Claims and queues one run. `expected` is the occurrence the scheduler saw (absent for "Run now"). */
export async function queueRun(
  jobId: string,
  trigger: RunMessage['trigger'],
  occurrence?: { expected: number; next: number | undefined },
  deliver: (message: RunMessage) => Promise<void> = sendToQueue,
): Promise<QueueOutcome> {
  const now = clock.seconds();
  const runId = randomUUID();
  const claimed = await claimRun(jobId, {
    expected: occurrence?.expected,
    next: occurrence?.next,
    runId,
    now,
    leaseUntil: now + RUN_LEASE_SECONDS,
  });
  if (!claimed) return (await getJob(jobId)) ? 'busy' : 'gone';
  const scheduledFor = new Date((occurrence?.expected ?? now) * 1000).toISOString();
  try {
    await deliver({ id: runId, job_id: jobId, scheduled_for: scheduledFor, trigger });
  } catch (error) {
    await releaseClaim(jobId, runId, occurrence?.expected);
    throw error;
  }
  return 'queued';
}

export type ScheduleReport = { due: number; queued: number; skipped: number };

export async function scheduleDueRuns(now = clock.seconds()): Promise<ScheduleReport> {
  const report: ScheduleReport = { due: 0, queued: 0, skipped: 0 };
  while (report.due < MAX_PER_MINUTE) {
    const due = await dueJobs(now, PAGE);
    if (due.length === 0) break;
    report.due += due.length;
    for (const { id, nextRun } of due) {
      const job = await getJob(id);
      if (!job) continue;
      // The next occurrence after now, not after the missed one: a job that was down an hour runs once, not 60x.
      const next = job.enabled ? nextRunOf(job.schedule, Math.max(now, nextRun)) : undefined;
      const outcome = await queueRun(id, 'schedule', { expected: nextRun, next });
      if (outcome === 'queued') report.queued++;
      else if (outcome === 'busy' && (await skipOccurrence(id, nextRun, next))) {
        // The previous run is still going: this occurrence is skipped, never run alongside it.
        report.skipped++;
        logger.warn('scrape occurrence skipped: the previous run is still going', { job_id: id });
      }
    }
    if (due.length < PAGE) break;
  }
  logger.info('scrape scheduler ran', { ...report });
  return report;
}
