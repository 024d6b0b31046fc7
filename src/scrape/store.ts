// ScrapeJobs (job#<id>: the definition and its state), ScrapeResults (one item per run under its job, with a TTL
// from the job's retention) and ScrapeHosts (per host: robots.txt, cached a day, and the next polite fetch slot).
// Due jobs are found by a query on the sparse due-index (only scheduled jobs carry `due`), never a Scan; a run is
// claimed with a conditional write on the next_run the scheduler saw, so one occurrence runs once and two runs of
// a job never overlap.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../core/config';
import { batchGetConsistent } from '../core/db/batch-get';
import { documentClient } from '../core/db/client';
import { conditionally } from '../core/db/conditions';
import type { RunChanges } from './changes';
import type { JobInput, JobState, PageValues, ScrapeJob } from './job';

const jobs = () => tables().scrapeJobs;
const results = () => tables().scrapeResults;
const hosts = () => tables().scrapeHosts;
const jobPk = (id: string) => `job#${id}`;
const DUE = 'scheduled';

type Item = Record<string, unknown>;

function jobItem(job: ScrapeJob): Item {
  const { state, id, tenantId, createdAt, updatedAt, webhookSecretSealed, ...definition } = job;
  return {
    pk: jobPk(id),
    id,
    tenant_id: tenantId,
    created_at: createdAt,
    updated_at: updatedAt,
    definition,
    ...(webhookSecretSealed ? { webhook_secret: webhookSecretSealed } : {}),
    ...(state.nextRun !== undefined ? { next_run: state.nextRun, due: DUE } : {}),
    consecutive_failures: state.consecutiveFailures,
    failing_notified: state.failingNotified,
    ...(state.lastRunAt ? { last_run_at: state.lastRunAt, last_status: state.lastStatus } : {}),
    ...(state.baseline ? { baseline: state.baseline } : {}),
  };
}

function jobOf(item: Item): ScrapeJob {
  return {
    ...(item.definition as JobInput),
    id: item.id as string,
    tenantId: item.tenant_id as string,
    createdAt: item.created_at as string,
    updatedAt: item.updated_at as string,
    webhookSecretSealed: item.webhook_secret as string | undefined,
    state: {
      nextRun: item.next_run as number | undefined,
      runId: item.run_id as string | undefined,
      runningUntil: item.running_until as number | undefined,
      lastRunAt: item.last_run_at as string | undefined,
      lastStatus: item.last_status as JobState['lastStatus'],
      consecutiveFailures: (item.consecutive_failures as number | undefined) ?? 0,
      failingNotified: (item.failing_notified as boolean | undefined) ?? false,
      baseline: item.baseline as PageValues[] | undefined,
    },
  };
}

export async function createJob(job: ScrapeJob): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: jobs(),
      Item: jobItem(job),
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
}

export async function getJob(id: string): Promise<ScrapeJob | undefined> {
  // Ids are UUIDs; anything else (a 3,000-character path segment) is no job, not a DynamoDB key error.
  if (!/^[\w-]{1,64}$/.test(id)) return undefined;
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: jobs(), Key: { pk: jobPk(id) }, ConsistentRead: true }),
  );
  return Item ? jobOf(Item) : undefined;
}

export async function listJobs(tenantId: string): Promise<ScrapeJob[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: jobs(),
      IndexName: 'tenant-index',
      KeyConditionExpression: 'tenant_id = :t',
      ExpressionAttributeValues: { ':t': tenantId },
    }),
  );
  // The index projects keys only: the jobs themselves in one BatchGetItem (a site has at most 50).
  const found = await batchGetConsistent({
    [jobs()]: Items.map((item) => ({ pk: jobPk(item.id as string) })),
  });
  return (found[jobs()] ?? []).map(jobOf).sort((a, b) => a.name.localeCompare(b.name));
}

/** A new definition; the schedule restarts from `nextRun`. The state a run keeps (baseline, failures) stays. */
export async function updateDefinition(
  id: string,
  definition: JobInput,
  nextRun: number | undefined,
  updatedAt: string,
): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: jobs(),
        Key: { pk: jobPk(id) },
        UpdateExpression:
          nextRun === undefined
            ? 'SET #definition = :d, updated_at = :u REMOVE next_run, due'
            : 'SET #definition = :d, updated_at = :u, next_run = :n, due = :due',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#definition': 'definition' },
        ExpressionAttributeValues: {
          ':d': definition,
          ':u': updatedAt,
          ...(nextRun === undefined ? {} : { ':n': nextRun, ':due': DUE }),
        },
      }),
    ),
  );
}

export async function setWebhookSecret(id: string, sealed: string): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: jobs(),
      Key: { pk: jobPk(id) },
      UpdateExpression: 'SET webhook_secret = :s',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':s': sealed },
    }),
  );
}

export async function deleteJob(id: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: jobs(), Key: { pk: jobPk(id) } }));
}

/** Jobs whose next run is at or before `now`, oldest first, from the sparse due-index. */
export async function dueJobs(now: number, limit: number): Promise<{ id: string; nextRun: number }[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: jobs(),
      IndexName: 'due-index',
      KeyConditionExpression: 'due = :due AND next_run <= :now',
      ExpressionAttributeValues: { ':due': DUE, ':now': now },
      Limit: limit,
    }),
  );
  return Items.map((item) => ({ id: item.id as string, nextRun: item.next_run as number }));
}

/**
 * Claims one run: only if next_run is still what the caller saw (one claim per occurrence) and no run of the job
 * is going on (no overlap). Moves next_run on (or off the schedule), and records the run's id and lease.
 */
export async function claimRun(
  id: string,
  claim: { expected?: number; next?: number; runId: string; now: number; leaseUntil: number },
): Promise<boolean> {
  const sets = ['run_id = :run', 'running_until = :lease'];
  if (claim.next !== undefined) sets.push('next_run = :next', 'due = :due');
  const conditions = [
    'attribute_exists(pk)',
    '(attribute_not_exists(running_until) OR running_until < :now)',
  ];
  if (claim.expected !== undefined) conditions.push('next_run = :expected');
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: jobs(),
        Key: { pk: jobPk(id) },
        UpdateExpression: `SET ${sets.join(', ')}${claim.next === undefined && claim.expected !== undefined ? ' REMOVE next_run, due' : ''}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeValues: {
          ':run': claim.runId,
          ':lease': claim.leaseUntil,
          ':now': claim.now,
          ...(claim.expected === undefined ? {} : { ':expected': claim.expected }),
          ...(claim.next === undefined ? {} : { ':next': claim.next, ':due': DUE }),
        },
      }),
    ),
  );
}

/** An occurrence that came while a run was still going: it is skipped, not queued behind it. */
export async function skipOccurrence(
  id: string,
  expected: number,
  next: number | undefined,
): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: jobs(),
        Key: { pk: jobPk(id) },
        UpdateExpression: next === undefined ? 'REMOVE next_run, due' : 'SET next_run = :next',
        ConditionExpression: 'next_run = :expected',
        ExpressionAttributeValues: {
          ':expected': expected,
          ...(next === undefined ? {} : { ':next': next }),
        },
      }),
    ),
  );
}

/** Undoes a claim whose message could not be queued, so the scheduler tries again next minute. */
export async function releaseClaim(id: string, runId: string, restoreNextRun?: number): Promise<void> {
  await conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: jobs(),
        Key: { pk: jobPk(id) },
        UpdateExpression:
          restoreNextRun === undefined
            ? 'REMOVE running_until, run_id'
            : 'SET next_run = :n, due = :due REMOVE running_until, run_id',
        ConditionExpression: 'run_id = :run',
        ExpressionAttributeValues: {
          ':run': runId,
          ...(restoreNextRun === undefined ? {} : { ':n': restoreNextRun, ':due': DUE }),
        },
      }),
    ),
  );
}

/** After a run: its outcome becomes the job's state, and the lease ends (only the run that holds it). */
export async function finishRun(
  id: string,
  runId: string,
  outcome: Pick<
    JobState,
    'lastRunAt' | 'lastStatus' | 'consecutiveFailures' | 'failingNotified' | 'baseline'
  >,
): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: jobs(),
        Key: { pk: jobPk(id) },
        UpdateExpression: `SET last_run_at = :at, last_status = :status, consecutive_failures = :failures, failing_notified = :notified${outcome.baseline ? ', baseline = :baseline' : ''} REMOVE running_until`,
        ConditionExpression: 'attribute_exists(pk) AND (run_id = :run OR attribute_not_exists(run_id))',
        ExpressionAttributeValues: {
          ':at': outcome.lastRunAt,
          ':status': outcome.lastStatus,
          ':failures': outcome.consecutiveFailures,
          ':notified': outcome.failingNotified,
          ':run': runId,
          ...(outcome.baseline ? { ':baseline': outcome.baseline } : {}),
        },
      }),
    ),
  );
}

export type RunRecord = {
  jobId: string;
  runId: string;
  /** When the run was due (ISO); with runId, the record's key: a retried run writes the same record. */
  scheduledFor: string;
  finishedAt: string;
  status: 'ok' | 'failed';
  trigger: 'schedule' | 'manual';
  durationMs: number;
  pages: {
    url: string;
    httpStatus?: number;
    fields: PageValues['fields'];
    contentHash?: string;
    snapshotKey?: string;
    error?: string;
  }[];
  changes?: RunChanges;
  changed: boolean;
  notified: string[];
  error?: string;
};

const runSk = (scheduledFor: string, runId: string) => `run#${scheduledFor}#${runId}`;

export async function putRun(run: RunRecord, retentionDays: number): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: results(),
      Item: {
        pk: jobPk(run.jobId),
        sk: runSk(run.scheduledFor, run.runId),
        run: { ...run },
        ttl: Math.floor(Date.parse(run.finishedAt) / 1000) + retentionDays * 86_400,
      },
    }),
  );
}

/** The job's runs, newest first. */
export async function listRuns(jobId: string, limit = 50): Promise<RunRecord[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: results(),
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :run)',
      ExpressionAttributeValues: { ':pk': jobPk(jobId), ':run': 'run#' },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return Items.map((item) => item.run as RunRecord);
}

/** One run, by the key its record has (when it was due, and its id). */
export async function getRun(
  jobId: string,
  scheduledFor: string,
  runId: string,
): Promise<RunRecord | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: results(), Key: { pk: jobPk(jobId), sk: runSk(scheduledFor, runId) } }),
  );
  return Item?.run as RunRecord | undefined;
}

export type HostRecord = { robots?: string; robotsFetchedAt?: number; nextSlotMs?: number };

export async function getHost(origin: string): Promise<HostRecord> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: hosts(), Key: { pk: `host#${origin}` }, ConsistentRead: true }),
  );
  return {
    robots: Item?.robots as string | undefined,
    robotsFetchedAt: Item?.robots_fetched_at as number | undefined,
    nextSlotMs: Item?.next_slot_ms as number | undefined,
  };
}

export async function saveRobots(origin: string, robots: string, fetchedAt: number): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: hosts(),
      Key: { pk: `host#${origin}` },
      UpdateExpression: 'SET robots = :r, robots_fetched_at = :at, #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':r': robots, ':at': fetchedAt, ':ttl': fetchedAt + 7 * 86_400 },
    }),
  );
}

/** Takes the host's next fetch slot if it is still `seen` (compare-and-set); false when another worker took it. */
export async function takeSlot(origin: string, seen: number | undefined, next: number): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: hosts(),
        Key: { pk: `host#${origin}` },
        UpdateExpression: 'SET next_slot_ms = :next, #ttl = :ttl',
        ConditionExpression:
          seen === undefined ? 'attribute_not_exists(next_slot_ms)' : 'next_slot_ms = :seen',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':next': next,
          ':ttl': Math.floor(next / 1000) + 7 * 86_400,
          ...(seen === undefined ? {} : { ':seen': seen }),
        },
      }),
    ),
  );
}
