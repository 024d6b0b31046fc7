// Creates isolated tenants with real API keys in the run's DynamoDB, so tests never share state.
import { randomUUID } from 'node:crypto';
import { putApiKey } from '../../src/core/db/api-keys';
import { newTenant, putTenant, type Tenant } from '../../src/core/db/tenants';
import { apiKeyPepper, generateApiKey, hashApiKey } from '../../src/core/tenants';

export type TestTenant = { tenant: Tenant; apiKey: string; keyHash: string };

export async function createTestTenant(
  overrides: Partial<Tenant> = {},
  scopes = ['auth'],
): Promise<TestTenant> {
  const suffix = randomUUID().slice(0, 8);
  const tenant = newTenant({
    clientId: `Client${suffix}`,
    siteId: 'Site',
    name: `Test site ${suffix}`,
    allowedOrigins: ['https://app.example.com'],
    ...overrides,
  });
  await putTenant(tenant);
  const apiKey = generateApiKey();
  const keyHash = hashApiKey(apiKey, await apiKeyPepper());
  await putApiKey({
    keyHash,
    clientId: tenant.clientId,
    siteId: tenant.siteId,
    name: 'test key',
    scopes,
    status: 'active',
    createdAt: tenant.createdAt,
  });
  return { tenant, apiKey, keyHash };
}
