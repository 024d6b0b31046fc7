import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEnv } from '../src/app-env';
import { useClock } from '../src/core/clock';
import { getApiKeyByHash, revokeApiKey } from '../src/core/db/api-keys';
import { putTenant } from '../src/core/db/tenants';
import { createTenantResolver, generateApiKey, hashApiKey } from '../src/core/tenants';
import { dynamodbSdk } from '../src/dev/aws';
import { errorHandler } from '../src/middleware/errors';
import { requestId } from '../src/middleware/request-id';
import { requireTenant } from '../src/middleware/tenant';
import { createTestTenant } from './support/tenants';

/** A one-route app that only resolves the caller's tenant, to test the middleware as sites meet it. */
function whoamiApp(resolver = createTenantResolver({ cacheMs: 0 })) {
  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.get('/whoami', requireTenant({ scope: 'auth', resolver }), (c) => {
    const { tenant, apiKey } = c.var.tenantKey;
    return c.json({ client_id: tenant.clientId, site_id: tenant.siteId, scopes: apiKey.scopes });
  });
  app.onError(errorHandler);
  return app;
}

let restoreClock: (() => void) | undefined;
afterEach(() => restoreClock?.());

describe('tenants', () => {
  it('resolves an x-api-key to its tenant and scopes', async () => {
    const { tenant, apiKey } = await createTestTenant({}, ['auth', 'email:send']);
    const res = await whoamiApp().request('/whoami', { headers: { 'x-api-key': apiKey } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      client_id: tenant.clientId,
      site_id: tenant.siteId,
      scopes: ['auth', 'email:send'],
    });
  });

  it('S30: missing, unknown, malformed, revoked and disabled-tenant keys all get one identical 401', async () => {
    const revoked = await createTestTenant();
    await revokeApiKey(revoked.keyHash);
    const disabled = await createTestTenant({ status: 'disabled' });
    const app = whoamiApp();
    const attempts: Record<string, string>[] = [
      {},
      { 'x-api-key': '' },
      { 'x-api-key': generateApiKey() },
      { 'x-api-key': 'site_a_key_abc123 ' },
      { 'x-api-key': 'x'.repeat(5000) },
      { 'x-api-key': '{"$gt":""}' },
      { 'x-api-key': revoked.apiKey },
      { 'x-api-key': disabled.apiKey },
    ];
    const answers = await Promise.all(
      attempts.map(async (headers) => {
        const res = await app.request('/whoami', { headers });
        const { 'x-request-id': _, ...rest } = Object.fromEntries(res.headers);
        return { status: res.status, body: await res.text(), headers: rest };
      }),
    );
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]?.status).toBe(401);
    expect(JSON.parse(answers[0]?.body as string)).toEqual({
      detail: 'Invalid API key',
      code: 'invalid_api_key',
    });
  });

  it('S14: never accepts the API key from the query string', async () => {
    const { apiKey } = await createTestTenant();
    const res = await whoamiApp().request(`/whoami?x-api-key=${apiKey}&api_key=${apiKey}`);
    expect(res.status).toBe(401);
  });

  it('S14: stores only HMAC-SHA256(pepper, key), never the key', async () => {
    const { apiKey, keyHash, tenant } = await createTestTenant();
    expect(keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(apiKey, 'another pepper')).not.toBe(keyHash);
    const sdk = dynamodbSdk();
    const client = new sdk.DynamoDBClient({});
    const { Items = [] } = await client.send(new sdk.ScanCommand({ TableName: process.env.API_KEYS_TABLE }));
    client.destroy();
    const ours = Items.filter((item) => item.client_id?.S === tenant.clientId);
    expect(ours).toHaveLength(1);
    expect(JSON.stringify(ours)).not.toContain(apiKey);
    expect(await getApiKeyByHash(keyHash)).toMatchObject({ status: 'active' });
  });

  it('caches a resolved key briefly per container, then sees a revocation', async () => {
    const { apiKey, keyHash } = await createTestTenant();
    const resolver = createTenantResolver({ cacheMs: 60_000 });
    const app = whoamiApp(resolver);
    const start = Date.now();
    restoreClock = useClock({ now: () => start });
    expect((await app.request('/whoami', { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    await revokeApiKey(keyHash);
    expect((await app.request('/whoami', { headers: { 'x-api-key': apiKey } })).status).toBe(200);
    restoreClock = useClock({ now: () => start + 61_000 });
    expect((await app.request('/whoami', { headers: { 'x-api-key': apiKey } })).status).toBe(401);
  });

  it('forgets an unknown key within seconds, so a key created just after a miss starts working', async () => {
    const { tenant } = await createTestTenant();
    const apiKey = generateApiKey();
    const resolver = createTenantResolver({ cacheMs: 60_000, pepper: async () => 'p'.repeat(32) });
    const start = Date.now();
    restoreClock = useClock({ now: () => start });
    await expect(resolver.resolve(apiKey)).rejects.toMatchObject({ status: 401 });
    const { putApiKey } = await import('../src/core/db/api-keys');
    await putApiKey({
      keyHash: hashApiKey(apiKey, 'p'.repeat(32)),
      clientId: tenant.clientId,
      siteId: tenant.siteId,
      name: 'late key',
      scopes: [],
      status: 'active',
      createdAt: new Date().toISOString(),
    });
    await expect(resolver.resolve(apiKey)).rejects.toMatchObject({ status: 401 });
    restoreClock = useClock({ now: () => start + 6_000 });
    await expect(resolver.resolve(apiKey)).resolves.toMatchObject({ tenant: { clientId: tenant.clientId } });
  });

  it('S28: the same site ids under another client are another tenant', async () => {
    const a = await createTestTenant({ siteId: 'Shop' });
    const b = await createTestTenant({ siteId: 'Shop' });
    await putTenant({ ...b.tenant, name: 'renamed' });
    const app = whoamiApp();
    const whoami = async (apiKey: string) =>
      (await (await app.request('/whoami', { headers: { 'x-api-key': apiKey } })).json()) as {
        client_id: string;
      };
    const ra = await whoami(a.apiKey);
    const rb = await whoami(b.apiKey);
    expect(ra.client_id).toBe(a.tenant.clientId);
    expect(rb.client_id).toBe(b.tenant.clientId);
    expect(ra.client_id).not.toBe(rb.client_id);
  });
});
