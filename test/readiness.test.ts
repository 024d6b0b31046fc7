import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../src/dev/services';

// This file gets its own module registry: its DynamoDB client points at dead endpoints, the others' do not.
describe('/health/ready when DynamoDB is unavailable', () => {
  let hanging: Server;
  const realEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;

  beforeAll(async () => {
    // Accepts connections and never answers: the worst kind of outage.
    hanging = createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  });
  afterAll(() => {
    hanging.close();
    process.env.AWS_ENDPOINT_URL_DYNAMODB = realEndpoint;
  });

  it('answers 503 {"status":"not_ready"} when nothing listens', async () => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${await freePort()}`;
    vi.resetModules();
    const { createApp } = await import('../src/app');
    const res = await createApp().request('/health/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not_ready' });
    // Liveness does not depend on DynamoDB.
    expect((await createApp().request('/health/live')).status).toBe(200);
  });

  it('answers 503 within its timeout when DynamoDB accepts connections but never replies', async () => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    vi.resetModules();
    const { createApp } = await import('../src/app');
    const started = Date.now();
    const res = await createApp().request('/health/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'not_ready' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
