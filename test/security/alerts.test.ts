// Security events and alerts (issue 17 §1): audit events are classified into the security feed with a severity; the
// AlertsFunction's rules (failed sign-ins above N in 5 minutes, refresh-token reuse, an admin lockout, a dead-letter
// queue with messages, 5xx above a threshold, a lockdown) fire once per rule and scope and deduplicate after, with a
// cooldown after resolution; each opened alert reaches platform admins by their preferences (email through the
// queue into local SES, SMS through the SMS queue, a signed webhook). This file has its own AuditLog, Tenants and
// Users tables, so its feed, sites and platform admins are its own.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownTables } from '../support/own-tables';

await ownTables({ AUDIT_TABLE: 'AuditLogTable', TENANTS_TABLE: 'TenantsTable', USERS_TABLE: 'UsersTable' });
const { sqsSdk } = await import('../../src/dev/aws');
const sqsModule = sqsSdk();
const sqs = new sqsModule.SQSClient({});
const dlqUrl = (
  await sqs.send(
    new sqsModule.CreateQueueCommand({ QueueName: `AlertsTestDlq-${Date.now()}-${process.pid}` }),
  )
).QueueUrl as string;
process.env.ALERT_DLQ_URLS = `email=${dlqUrl}`;
process.env.ALERT_FAILED_SIGN_INS = '5';
process.env.ALERT_SERVER_ERRORS = '3';
process.env.ALERT_COOLDOWN_MINUTES = '30';

const { createApp } = await import('../../src/app');
const { createPlatformAdmin, PLATFORM_TENANT } = await import('../../src/admin/bootstrap');
const { useClock } = await import('../../src/core/clock');
const { listAlerts } = await import('../../src/core/db/alerts');
const { setLockdown } = await import('../../src/core/db/revocations');
const { querySecurityEvents } = await import('../../src/core/db/security-log');
const { setUserRoles, userIdOf } = await import('../../src/core/db/users');
const { verifyWebhook } = await import('../../src/core/webhook-signature');
const { createSqsEventSource } = await import('../../src/dev/sqs-event-source');
const { createEmailWorker } = await import('../../src/email/worker');
const { savePreferences } = await import('../../src/security');
const { handler } = await import('../../handlers/alerts');
const { client, withKey } = await import('../support/http');
const { emailJobs, smsJobs } = await import('../support/queued-jobs');
const { sentEmails } = await import('../support/ses');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin, uniqueEmail } = await import('../support/users');

const app = createApp();
app.get('/__test/explode', () => {
  throw new Error('boom');
});
const api = client(app);
const PASSWORD = 'alerts admin passphrase';
const ROOT = uniqueEmail('alerts-root');
const TEXTER = uniqueEmail('alerts-texter');
const HOOKED = uniqueEmail('alerts-hooked');
const PHONE = '+15555550142';
type Site = Awaited<ReturnType<typeof createTestTenant>>;
let site: Site;
const hooks: { body: string; signature: string }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    hooks.push({ body, signature: String(req.headers['x-lambdalith-signature']) });
    res.writeHead(204).end();
  });
});
let hookSecret = '';

const evaluate = async () =>
  (await handler()) as Awaited<ReturnType<typeof import('../../src/security/run').evaluateAlerts>>;

beforeAll(async () => {
  await new Promise<void>((ready) => receiver.listen(0, '127.0.0.1', ready));
  // Three failures lock an account (before the progressive delay would refuse the next tries).
  site = await createTestTenant({ settings: { lockout: { max_failures: 3 } } });
  for (const email of [ROOT, TEXTER, HOOKED]) await createPlatformAdmin({ email, password: PASSWORD });
  const idOf = (email: string) => userIdOf(PLATFORM_TENANT.clientId, PLATFORM_TENANT.siteId, email);
  await savePreferences(idOf(TEXTER), {
    rules: ['failed_sign_ins', 'admin_lockout'],
    minSeverity: 'high',
    email: false,
    smsTo: PHONE,
    webhookUrl: '',
  });
  hookSecret = (
    await savePreferences(idOf(HOOKED), {
      rules: ['lockdown'],
      minSeverity: 'critical',
      email: false,
      smsTo: '',
      webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`,
    })
  ).webhookSecret as string;
});
afterAll(() => {
  receiver.close();
  sqs.destroy();
});

const login = (email: string, password: string) =>
  api.post('/auth/login', { email, password }, withKey(site.apiKey));

describe('security events', () => {
  it('S42: classifies audit events into the feed with a severity: an admin lockout is high, a user lockout medium; sign-in failures are not security events', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const admin = await registerAndLogin(app, site.apiKey);
    await setUserRoles(userIdOf(site.tenant.clientId, site.tenant.siteId, admin.email), ['tenant_admin']);
    for (let i = 0; i < 3; i++) {
      await login(user.email, 'not the password at all');
      await login(admin.email, 'not the password at all');
    }
    const { events } = await querySecurityEvents({ category: 'lockout' });
    const severityOf = (email: string) =>
      events.find((e) => e.userId === userIdOf(site.tenant.clientId, site.tenant.siteId, email))?.severity;
    expect(severityOf(user.email)).toBe('medium');
    expect(severityOf(admin.email)).toBe('high');
    expect((await querySecurityEvents({})).events.some((e) => e.event === 'authn_login_fail')).toBe(false);
  });
});

describe('the AlertsFunction', () => {
  it('fires each rule once for its scope (failed sign-ins, token reuse, admin lockout, dead letters, 5xx, lockdown) and deduplicates on the next run', {
    timeout: 60_000,
  }, async () => {
    // Token reuse: a refresh token presented again after it was rotated.
    const reuser = await registerAndLogin(app, site.apiKey);
    const first = await api.post('/auth/token/refresh', { refresh_token: reuser.refreshToken });
    expect(first.status).toBe(200);
    expect((await api.post('/auth/token/refresh', { refresh_token: reuser.refreshToken })).status).toBe(401);
    // 5xx above the threshold of 3.
    for (let i = 0; i < 4; i++) expect((await app.request('/__test/explode')).status).toBe(500);
    // A dead letter, and a lockdown of the site.
    await sqs.send(new sqsModule.SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: '{"lost":true}' }));
    await setLockdown(`tenant:${site.tenant.id}`, {
      reason: 'drill',
      by: 'test',
      at: new Date().toISOString(),
    });

    const run = await evaluate();
    const opened = Object.fromEntries(run.opened.map((a) => [a.rule, a]));
    expect(Object.keys(opened).sort()).toEqual(
      ['admin_lockout', 'dead_letters', 'failed_sign_ins', 'lockdown', 'server_errors', 'token_reuse'].sort(),
    );
    expect(opened.failed_sign_ins).toMatchObject({ scope: site.tenant.id, severity: 'high', status: 'open' });
    expect(opened.failed_sign_ins?.summary).toMatch(/^6 failed sign-ins/);
    expect(opened.token_reuse?.scope).toBe(site.tenant.id);
    expect(opened.dead_letters).toMatchObject({ scope: 'email', severity: 'medium' });
    expect(opened.server_errors?.summary).toMatch(/^4 5xx answers/);
    expect(opened.lockdown).toMatchObject({ scope: `tenant:${site.tenant.id}`, severity: 'critical' });
    // The feed tells it in order: each opened alert is a security event too.
    const feed = await querySecurityEvents({ category: 'alert' });
    expect(feed.events.map((e) => e.detail?.rule).sort()).toEqual(Object.keys(opened).sort());

    // The next minute: the same conditions are the same alerts, counted, and nobody is told again.
    const again = await evaluate();
    expect(again.opened).toEqual([]);
    expect(again.deliveries).toEqual([]);
    const alerts = await listAlerts(['open']);
    expect(alerts).toHaveLength(6);
    expect(alerts.every((a) => a.firedCount === 2)).toBe(true);
    await setLockdown(`tenant:${site.tenant.id}`, undefined);
  });

  it('S44: preferences route each alert to the right channels: email by default (it arrives in local SES), SMS and a signed webhook where chosen', {
    timeout: 60_000,
  }, async () => {
    const emails = (await emailJobs()).filter((j) => j.template === 'notification');
    // The default admin gets every rule from medium up by email; the others turned email off.
    expect(emails.filter((j) => j.to === ROOT).map((j) => j.data.title as string).length).toBe(6);
    expect(emails.filter((j) => j.to === TEXTER || j.to === HOOKED)).toEqual([]);
    // The texter chose failed sign-ins and admin lockouts, from high: two texts.
    const texts = (await smsJobs()).filter((t) => t.to === PHONE);
    expect(texts.map((t) => t.text).sort()).toEqual([
      expect.stringContaining('admin lockout'),
      expect.stringContaining('failed sign-ins'),
    ]);
    // The hooked admin chose lockdowns, critical only: one signed POST.
    expect(hooks).toHaveLength(1);
    const [hook] = hooks;
    expect(verifyWebhook(hookSecret, hook?.signature as string, hook?.body as string)).toBe(true);
    expect(JSON.parse(hook?.body as string)).toMatchObject({
      event: 'security.alert',
      alert: { rule: 'lockdown', severity: 'critical', scope: `tenant:${site.tenant.id}` },
    });

    // The email worker sends them: they arrive in local SES.
    const source = createSqsEventSource({
      functionName: 'EmailWorkerFunction',
      queueUrl: process.env.EMAIL_QUEUE_URL as string,
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:EmailQueue-alerts',
      handler: createEmailWorker(),
    });
    // emailJobs() drained the queue; queue the root's alerts again as the relay would have delivered them.
    for (const job of emails.filter((j) => j.to === ROOT)) {
      await sqs.send(
        new sqsModule.SendMessageCommand({ QueueUrl: process.env.EMAIL_QUEUE_URL, MessageBody: job.raw }),
      );
    }
    while ((await source.pollOnce()) > 0);
    const arrived = await sentEmails(ROOT);
    expect(arrived.length).toBe(6);
    expect(arrived.map((m) => m.subject).join('\n')).toMatch(/\[critical\] Emergency lockdown engaged/);
  });

  it('an acknowledged alert stays quiet; a resolved one that fires again within the cooldown reopens without notifying, and after it notifies', {
    timeout: 60_000,
  }, async () => {
    const start = Date.now();
    let restore = useClock({ now: () => start });
    try {
      await setLockdown(`tenant:${site.tenant.id}`, {
        reason: 'again',
        by: 'test',
        at: new Date(start).toISOString(),
      });
      const lockdown = (await listAlerts()).find((a) => a.rule === 'lockdown') as NonNullable<
        Awaited<ReturnType<typeof listAlerts>>[number]
      >;
      const { getAlert, setAlertStatus } = await import('../../src/core/db/alerts');
      const deadLetters = (await listAlerts()).find((a) => a.rule === 'dead_letters');
      await setAlertStatus(deadLetters?.id as string, 'acknowledged', ROOT, start);
      await setAlertStatus(lockdown.id, 'resolved', ROOT, start);
      const reopened = await evaluate();
      const back = reopened.opened.find((a) => a.rule === 'lockdown');
      expect(back?.status).toBe('open');
      expect(reopened.deliveries.filter((d) => d.channel === 'webhook')).toEqual([]);
      await setAlertStatus(lockdown.id, 'resolved', ROOT, start);
      restore();
      restore = useClock({ now: () => start + 31 * 60_000 });
      // Older than five minutes: the other rules' events have aged out; the lockdown is still engaged.
      const later = await evaluate();
      expect(later.opened.map((a) => a.rule)).toEqual(['lockdown']);
      expect(later.deliveries.some((d) => d.channel === 'webhook' && d.delivered)).toBe(true);
      // The acknowledged one kept firing (its queue still holds the message) without a word to anyone.
      const acknowledged = await getAlert(deadLetters?.id as string);
      expect(acknowledged).toMatchObject({ status: 'acknowledged', acknowledgedBy: ROOT });
      expect(acknowledged?.firedCount).toBe(4);
    } finally {
      restore();
      await setLockdown(`tenant:${site.tenant.id}`, undefined);
    }
  });

  it('S40: 50 evaluations at once open a new alert once and notify once', { timeout: 60_000 }, async () => {
    const other = await createTestTenant();
    await setLockdown(`tenant:${other.tenant.id}`, {
      reason: 'race',
      by: 'test',
      at: new Date().toISOString(),
    });
    try {
      const runs = await Promise.all(Array.from({ length: 50 }, () => evaluate()));
      const opened = runs.flatMap((r) => r.opened).filter((a) => a.scope === `tenant:${other.tenant.id}`);
      expect(opened).toHaveLength(1);
      const hooksForIt = hooks.filter((h) => h.body.includes(other.tenant.id));
      expect(hooksForIt).toHaveLength(1);
      const alert = (await listAlerts()).find((a) => a.scope === `tenant:${other.tenant.id}`);
      expect(alert?.firedCount).toBe(50);
    } finally {
      await setLockdown(`tenant:${other.tenant.id}`, undefined);
    }
  });
});
