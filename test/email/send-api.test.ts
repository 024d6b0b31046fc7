import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { client, withKey } from '../support/http';
import { emailJobs } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
let sender: TestTenant;
let authOnly: TestTenant;

beforeAll(async () => {
  sender = await createTestTenant({ settings: { email: { send_per_hour: 12 } } }, ['auth', 'email:send']);
  authOnly = await createTestTenant({}, ['auth']);
});

const send = (body: unknown, key = sender.apiKey) => api.post('/email/send', body, withKey(key));

describe('POST /email/send', () => {
  it('queues a template email and answers 202 with ids', async () => {
    const to = uniqueEmail('notify');
    const res = await send({
      to,
      template: 'notification',
      data: { title: 'Order shipped', message: 'On its way' },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.any(String), messages: [{ to, id: expect.any(String) }] });
    const job = (await emailJobs()).find((j) => j.id === res.body.messages[0].id);
    expect(job).toMatchObject({
      client_id: sender.tenant.clientId,
      site_id: sender.tenant.siteId,
      template: 'notification',
      to,
    });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('queues custom content, one message per recipient, deduplicated and normalised', async () => {
    const a = uniqueEmail('a');
    const b = uniqueEmail('b');
    const res = await send({
      to: [a, ` ${a.toUpperCase()} `, b],
      subject: 'Hello',
      text: 'Plain text',
      html: '<p>Hi</p>',
    });
    expect(res.status).toBe(202);
    expect(res.body.messages.map((m: { to: string }) => m.to)).toEqual([a, b]);
    const jobs = (await emailJobs()).filter((j) => j.to === a || j.to === b);
    expect(jobs.map((j) => j.template)).toEqual(['custom', 'custom']);
    expect(jobs[0]?.data).toEqual({ subject: 'Hello', text: 'Plain text', html: '<p>Hi</p>' });
  });

  it('needs an API key with the email:send scope', async () => {
    const body = { to: uniqueEmail(), subject: 'x', text: 'y' };
    expect((await api.post('/email/send', body)).status).toBe(401);
    const scoped = await send(body, authOnly.apiKey);
    expect(scoped.status).toBe(403);
    expect(scoped.body).toEqual({
      detail: 'This API key lacks the email:send scope',
      code: 'insufficient_scope',
    });
  });

  it('validates addresses, recipient count, templates and their data with 422', async () => {
    const cases: [unknown, string][] = [
      [{ to: 'not-an-address', subject: 's', text: 't' }, 'to'],
      [{ to: Array.from({ length: 11 }, (_, i) => `r${i}@example.com`), subject: 's', text: 't' }, 'to'],
      [{ to: [], subject: 's', text: 't' }, 'to'],
      [{ to: 'a@example.com' }, 'template'],
      [{ to: 'a@example.com', template: 'welcome', subject: 'both' }, 'template'],
      [{ to: 'a@example.com', subject: 'no text' }, 'subject'],
      [{ to: 'a@example.com', template: 'nope' }, 'template'],
      [
        {
          to: 'a@example.com',
          template: 'password_reset',
          data: { reset_url: 'javascript:alert(1)', expires_minutes: 5 },
        },
        'data.reset_url',
      ],
      [{ to: 'a@example.com\r\nBcc: victim@example.com', subject: 's', text: 't' }, 'to'],
    ];
    for (const [body, field] of cases) {
      const res = await send(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(422);
      expect(
        res.body.errors.map((e: { field: string }) => e.field),
        JSON.stringify(body).slice(0, 80),
      ).toContain(field);
    }
  });

  it('limits each site to its hourly budget, counted per recipient, refusing a request that does not fit', async () => {
    const limited = await createTestTenant({ settings: { email: { send_per_hour: 3 } } }, ['email:send']);
    const many = { to: ['1@example.com', '2@example.com'], subject: 's', text: 't' };
    expect((await send(many, limited.apiKey)).status).toBe(202);
    const over = await send(many, limited.apiKey);
    expect(over.status).toBe(429);
    expect(over.body.code).toBe('rate_limited');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another site's budget is its own.
    expect((await send({ to: '3@example.com', subject: 's', text: 't' })).status).toBe(202);
  });
});
