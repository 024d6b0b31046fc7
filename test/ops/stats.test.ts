// The dashboard's counters: hourly items per tenant (and for all tenants) kept as events happen, atomically, from
// the audit stream (StatsAggregatorFunction) and from the workers; never by scanning the audit log.
import { randomUUID } from 'node:crypto';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { ALL_TENANTS, addCounts, type Counter, hourOf, readCounts } from '../../src/core/db/stats';
import { lambdaContext } from '../../src/dev/lambda-context';
import { createEmailWorker, EMAIL_MAX_RECEIVES } from '../../src/email/worker';
import { createStatsAggregator } from '../../src/stats/aggregate';
import { client, withKey } from '../support/http';
import { captureOutput } from '../support/logs';
import { jobsTo } from '../support/queued-jobs';
import { sqsEventOf } from '../support/sqs-events';
import { countAuditEvents } from '../support/stats';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;

beforeAll(async () => {
  site = await createTestTenant({ settings: { reset_url: 'https://stats.example/reset' } });
});

/** A counter's sum over the last day, for one scope. */
async function counted(scope: string, counter: Counter): Promise<number> {
  const now = Date.now();
  const hours = await readCounts(scope, hourOf(now - 86_400_000), hourOf(now));
  return hours.reduce((n, h) => n + (h.counts[counter] ?? 0), 0);
}

/** A stream record of an audit event, as DynamoDB Streams delivers it. */
const auditRecord = (tenantId: string, event: string, sequence: string): DynamoDBRecord => ({
  eventName: 'INSERT',
  dynamodb: {
    SequenceNumber: sequence,
    NewImage: {
      tenant_id: { S: tenantId },
      event: { S: event },
      time: { S: new Date().toISOString() },
    },
  },
});

describe('dashboard counters', () => {
  it('50 parallel events on one hot item are all counted (atomic ADD), for the tenant and for all tenants', async () => {
    const tenant = `stats-${randomUUID()}#site`;
    const before = await counted(ALL_TENANTS, 'scrape_runs');
    await Promise.all(Array.from({ length: 50 }, () => addCounts(tenant, Date.now(), { scrape_runs: 1 })));
    expect(await counted(tenant, 'scrape_runs')).toBe(50);
    expect((await counted(ALL_TENANTS, 'scrape_runs')) - before).toBeGreaterThanOrEqual(50);
  });

  it('S42: sign-ins, failures, lockouts and refresh-token reuse reach the counters from the audit stream', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    for (let i = 0; i < 2; i++)
      await api.post(
        '/auth/login',
        { email: user.email, password: 'not the password' },
        withKey(site.apiKey),
      );
    const rotated = await api.post(
      '/auth/token/refresh',
      { refresh_token: user.refreshToken },
      withKey(site.apiKey),
    );
    expect(rotated.status).toBe(200);
    // The spent token replayed: reuse detected, the session revoked (S13).
    await api.post('/auth/token/refresh', { refresh_token: user.refreshToken }, withKey(site.apiKey));
    await countAuditEvents(site.tenant.id);
    const id = site.tenant.id;
    expect(await counted(id, 'sign_ins')).toBe(1);
    expect(await counted(id, 'sign_in_failures')).toBe(2);
    expect(await counted(id, 'token_reuse')).toBe(1);
    // Counted once: reading the stream again (a second poll, as after a restart) adds nothing.
    await countAuditEvents(site.tenant.id);
    expect(await counted(id, 'sign_ins')).toBe(1);
  });

  it('S40: a batch delivered twice (a Lambda retry) counts once; the same tenant and hour are one write', async () => {
    const tenant = `retry-${randomUUID()}#site`;
    const base = String(Date.now()).padStart(21, '0');
    const event: DynamoDBStreamEvent = {
      Records: [
        auditRecord(tenant, 'authn_login_success', `${base}1`),
        auditRecord(tenant, 'authn_login_fail', `${base}2`),
        auditRecord(tenant, 'authn_login_success', `${base}3`),
        auditRecord(tenant, 'not_a_counted_event', `${base}4`),
      ],
    };
    const aggregate = createStatsAggregator();
    expect(await aggregate(event)).toEqual({ batchItemFailures: [] });
    expect(await aggregate(event)).toEqual({ batchItemFailures: [] });
    expect(await counted(tenant, 'sign_ins')).toBe(2);
    expect(await counted(tenant, 'sign_in_failures')).toBe(1);
  });

  it('publishes the counts as CloudWatch metrics (EMF lines, no API call)', async () => {
    const tenant = `emf-${randomUUID()}#site`;
    const { withMetrics } = await import('../../src/core/metrics');
    const aggregate = withMetrics(createStatsAggregator());
    // What the unwrapped aggregator of the tests above buffered goes out first (in Lambda every entry is wrapped).
    await captureOutput(() => withMetrics(async () => undefined)());
    const output = await captureOutput(async () => {
      await aggregate({
        Records: [auditRecord(tenant, 'authn_login_lock', `${Date.now()}`.padStart(21, '0'))],
      });
    });
    const emf = output
      .split('\n')
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0]._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'lambdalith',
      Metrics: [{ Name: 'Lockouts', Unit: 'Count' }],
    });
    expect(emf[0].Lockouts).toBe(1);
  });

  it('the email worker counts sent once per job (a redelivery is not a second send), failures and dead letters', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    await api.post('/auth/password-reset', { email: user.email }, withKey(site.apiKey));
    const [job] = await jobsTo(user.email, 'password_reset');
    const worker = createEmailWorker();
    const id = site.tenant.id;
    const sentBefore = await counted(id, 'emails_sent');
    const delivery = sqsEventOf([{ id: `m-${randomUUID()}`, body: job?.raw as string }]);
    expect((await worker(delivery, lambdaContext('EmailWorkerFunction'))).batchItemFailures).toEqual([]);
    await worker(delivery, lambdaContext('EmailWorkerFunction'));
    expect((await counted(id, 'emails_sent')) - sentBefore).toBe(1);

    // A job that can never be opened fails each time, and on its last receive goes to the DLQ.
    const broken = JSON.stringify({
      ...JSON.parse(job?.raw as string),
      id: randomUUID(),
      sealed: 'v1.broken',
    });
    const last = sqsEventOf([{ id: `m-${randomUUID()}`, body: broken }]);
    (
      last.Records[0] as { attributes: { ApproximateReceiveCount: string } }
    ).attributes.ApproximateReceiveCount = String(EMAIL_MAX_RECEIVES);
    const failedBefore = await counted(id, 'emails_failed');
    const deadBefore = await counted(id, 'emails_dead_lettered');
    expect((await worker(last, lambdaContext('EmailWorkerFunction'))).batchItemFailures).toHaveLength(1);
    expect((await counted(id, 'emails_failed')) - failedBefore).toBe(1);
    expect((await counted(id, 'emails_dead_lettered')) - deadBefore).toBe(1);
  });

  it('the dashboard reads the counters for 24 hours by hour and 7 days by day, as escaped SVG charts', async () => {
    const { dashboardStats } = await import('../../src/admin/stats');
    await addCounts(site.tenant.id, Date.now() - 3 * 86_400_000, { publishes: 4 });
    await addCounts(site.tenant.id, Date.now(), { publishes: 1 });
    const day = await dashboardStats([site.tenant], { scope: site.tenant.id, range: '24h' });
    const week = await dashboardStats([site.tenant], { scope: site.tenant.id, range: '7d' });
    const chartOf = (s: typeof day, counter: string) =>
      s.groups.flatMap((g) => g.charts).find((c) => c.counter === counter);
    expect(chartOf(day, 'publishes')?.total).toBe(1);
    expect(chartOf(week, 'publishes')?.total).toBe(5);
    expect(chartOf(day, 'publishes')?.svg.match(/<rect /g)).toHaveLength(24);
    expect(chartOf(week, 'publishes')?.svg.match(/<rect /g)).toHaveLength(7);
    expect(chartOf(week, 'publishes')?.svg).not.toMatch(/<script|on\w+=/i);
    expect(day.mfa).toMatchObject({ users: expect.any(Number), withMfa: 0, percent: 0 });
  });
});

it('keeps EMAIL_MAX_RECEIVES equal to the queue redrive (the dead-letter count depends on it)', async () => {
  const { loadTemplate } = await import('../../src/dev/template');
  const queue = loadTemplate().Resources.EmailQueue?.Properties as {
    RedrivePolicy: { maxReceiveCount: number };
  };
  expect(queue.RedrivePolicy.maxReceiveCount).toBe(EMAIL_MAX_RECEIVES);
  const { SMS_MAX_RECEIVES } = await import('../../src/sms/worker');
  const sms = loadTemplate().Resources.SmsQueue?.Properties as { RedrivePolicy: { maxReceiveCount: number } };
  expect(sms.RedrivePolicy.maxReceiveCount).toBe(SMS_MAX_RECEIVES);
});
