// With SENTRY_DSN set, unhandled errors go to the error tracker as a Sentry envelope, tested against a local HTTP
// server that receives it: request id, tenant and route, and nothing of the request (S34, S43).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Received = { url: string; headers: IncomingMessage['headers']; body: string };
const received: Received[] = [];
let status = 200;
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    received.push({ url: req.url ?? '', headers: req.headers, body });
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const port = (receiver.address() as AddressInfo).port;
// Before the app reads its configuration: this file's functions have an error tracker.
process.env.SENTRY_DSN = `http://publickey123@127.0.0.1:${port}/42`;

const { createApp } = await import('../../src/app');
const { client, withKey } = await import('../support/http');
const { createTestTenant } = await import('../support/tenants');
const { registerAndLogin } = await import('../support/users');
const { scrub } = await import('../../src/core/sentry-envelope');

const app = createApp();
const api = client(app);
const PASSWORD = 'error tracker passphrase';
let bearerToken = '';
let apiKey = '';
let tenantId = '';

// A route that fails with what a careless message might quote: the caller's email and bearer token. (The body,
// with its password, is never read by the reporter at all.)
app.post('/__test/explode', async (c) => {
  const body = await c.req.json<{ email: string; password: string }>();
  throw new Error(`could not handle ${body.email} with ${c.req.header('authorization')}`);
});
// A key-scoped route whose handler fails: the tenant middleware has run, so the report names the site.
const { requireTenant } = await import('../../src/middleware/tenant');
app.get('/__test/site-explode', requireTenant({ scope: 'auth' }), () => {
  throw new TypeError('cannot read properties of undefined');
});

beforeAll(async () => {
  const site = await createTestTenant();
  apiKey = site.apiKey;
  tenantId = site.tenant.id;
  bearerToken = (await registerAndLogin(app, site.apiKey)).token;
});
afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const envelopeOf = (r: Received) =>
  r.body
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

describe('error tracking (SENTRY_DSN)', () => {
  it('S34/S43: reports an unhandled error with request id, tenant and route, and none of the request', async () => {
    received.length = 0;
    const res = await app.request('/__test/explode', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${bearerToken}`,
        'x-api-key': apiKey,
      },
      body: JSON.stringify({ email: 'victim@example.com', password: PASSWORD }),
    });
    expect(res.status).toBe(500);
    const answer = (await res.json()) as { request_id: string };
    expect(received).toHaveLength(1);
    const [sent] = received as [Received];
    expect(sent.url).toBe('/api/42/envelope/');
    expect(sent.headers['x-sentry-auth']).toContain('sentry_key=publickey123');
    expect(sent.headers['content-type']).toBe('application/x-sentry-envelope');
    const [header, item, event] = envelopeOf(sent);
    expect(header.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(item).toEqual({ type: 'event' });
    expect(event.tags).toMatchObject({ request_id: answer.request_id, route: '/__test/explode' });
    expect(event.exception.values[0].type).toBe('Error');
    expect(event.exception.values[0].stacktrace.frames.length).toBeGreaterThan(0);
    for (const secret of ['victim@example.com', bearerToken, PASSWORD, apiKey]) {
      expect(sent.body).not.toContain(secret);
    }
    expect(event).not.toHaveProperty('request');
    expect(event).not.toHaveProperty('user');
  });

  it('names the tenant when the failing request had one', async () => {
    received.length = 0;
    const res = await api.get('/__test/site-explode', withKey(apiKey));
    expect(res.status).toBe(500);
    const [, , event] = envelopeOf(received[0] as Received);
    expect(event.tags.tenant).toBe(tenantId);
    expect(event.exception.values[0].type).toBe('TypeError');
  });

  it('an error tracker that is down or refuses costs the request nothing but the attempt: still a clean 500', async () => {
    status = 503;
    received.length = 0;
    const refused = await api.post('/__test/explode', { email: 'a@example.com', password: 'x' });
    expect(refused.status).toBe(500);
    expect(received).toHaveLength(1);
    status = 200;
  });

  it('scrubs emails, JWTs, bearer tokens and long secrets from messages', () => {
    expect(
      scrub(
        'user bob@example.org sent eyJhbGciOi.eyJzdWIiOiIx.sig with Bearer abc.def and k_ABCDEFGHIJKLMNOPQRSTUVWXYZ123456',
      ),
    ).toBe('user [email] sent [jwt] with Bearer [redacted] and [redacted]');
  });
});
