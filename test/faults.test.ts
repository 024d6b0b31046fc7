// Faults: with DynamoDB or SQS partitioned (a proxy that accepts and never answers), requests answer within
// seconds with a JSON 503 (or their usual answer), the same for known and unknown accounts, and no email is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PausableProxy, pausableProxy } from './support/pausable-proxy';

// The clients read their endpoints when created: point them at the proxies before anything imports them.
const dynamo = await pausableProxy(process.env.AWS_ENDPOINT_URL_DYNAMODB as string);
const sqs = await pausableProxy(process.env.AWS_ENDPOINT_URL_SQS as string);
process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
process.env.AWS_ENDPOINT_URL_SQS = sqs.url;

const { createApp } = await import('../src/app');
const { client, bearer, withKey } = await import('./support/http');
const { createTestTenant } = await import('./support/tenants');
const { registerAndLogin, uniqueEmail, GOOD_PASSWORD } = await import('./support/users');
const { jobsTo } = await import('./support/queued-jobs');

const app = createApp();
const api = client(app);
let site: Awaited<ReturnType<typeof createTestTenant>>;
let user: Awaited<ReturnType<typeof registerAndLogin>>;

beforeAll(async () => {
  site = await createTestTenant({ settings: { reset_url: 'https://faults.example/reset' } });
  user = await registerAndLogin(app, site.apiKey);
});
afterAll(async () => {
  await Promise.all([dynamo.close(), sqs.close()]);
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

const paused = async <T>(proxy: PausableProxy, work: () => Promise<T>) => {
  proxy.pause();
  try {
    return await work();
  } finally {
    proxy.resume();
  }
};

describe('DynamoDB partitioned', () => {
  it('GET /user/me and POST /auth/login answer a JSON 503 with Retry-After within a few seconds', async () => {
    const [me, login] = await paused(dynamo, () =>
      Promise.all([
        timed(() => api.get('/user/me', bearer(user.token))),
        timed(() =>
          api.post('/auth/login', { email: user.email, password: GOOD_PASSWORD }, withKey(site.apiKey)),
        ),
      ]),
    );
    for (const { value, ms } of [me, login]) {
      expect(value.status).toBe(503);
      expect(value.body).toEqual({ detail: 'Service temporarily unavailable', code: 'service_unavailable' });
      expect(Number(value.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(ms).toBeLessThan(5_000);
    }
    // And everything works again once it is back.
    expect((await api.get('/user/me', bearer(user.token))).status).toBe(200);
  });

  it('a password reset fails the same way for known and unknown addresses', async () => {
    const [known, unknown] = await paused(dynamo, () =>
      Promise.all([
        timed(() => api.post('/auth/password-reset', { email: user.email }, withKey(site.apiKey))),
        timed(() => api.post('/auth/password-reset', { email: uniqueEmail('nobody') }, withKey(site.apiKey))),
      ]),
    );
    expect(known.value.status).toBe(unknown.value.status);
    expect(known.value.body).toEqual(unknown.value.body);
    expect(known.ms).toBeLessThan(5_000);
    expect(unknown.ms).toBeLessThan(5_000);
  });
});

describe('SQS partitioned', () => {
  it('a password reset answers at once and alike for known and unknown addresses, and the email is not lost', async () => {
    const [known, unknown] = await paused(sqs, () =>
      Promise.all([
        timed(() => api.post('/auth/password-reset', { email: user.email }, withKey(site.apiKey))),
        timed(() => api.post('/auth/password-reset', { email: uniqueEmail('nobody') }, withKey(site.apiKey))),
      ]),
    );
    expect(known.value.status).toBe(200);
    expect(known.value.body).toEqual(unknown.value.body);
    expect(known.value.headers.get('content-length')).toBe(unknown.value.headers.get('content-length'));
    // Neither waited on the queue: requests only write the outbox.
    expect(known.ms).toBeLessThan(1_000);
    expect(Math.abs(known.ms - unknown.ms)).toBeLessThan(500);
    // Back up: the relay moves the waiting job to the queue.
    expect(await jobsTo(user.email, 'password_reset')).toHaveLength(1);
  });

  it('an SMS code asked for during the outage is texted once SQS is back', async () => {
    const phone = '+14155550142';
    const res = await paused(sqs, () => api.post('/auth/mfa/sms/setup', { phone }, bearer(user.token)));
    expect(res.status).toBe(202);
    const { smsCodeFor } = await import('./support/queued-jobs');
    expect(await smsCodeFor(phone)).toMatch(/^\d{6}$/);
  });
});
