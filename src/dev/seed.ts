// Seeds the seed document's demo site so its frontend examples work unchanged against make dev.
import { clock } from '../core/clock';
import { putApiKey } from '../core/db/api-keys';
import { newTenant, putTenant } from '../core/db/tenants';
import { SCOPE_NAMES } from '../core/scopes';
import { apiKeyPepper, hashApiKey } from '../core/tenants';

export const DEMO = {
  apiKey: 'site_a_key_abc123',
  clientId: 'ClientCustomerC',
  siteId: 'SiteA',
  name: 'Site A (demo)',
  allowedOrigins: ['http://localhost:5173', 'http://localhost:3000'],
} as const;

/** Idempotent: rewrites the demo tenant and its key on every start. */
export async function seedDemoTenant(): Promise<void> {
  const createdAt = new Date(clock.now()).toISOString();
  await putTenant(
    newTenant({
      clientId: DEMO.clientId,
      siteId: DEMO.siteId,
      name: DEMO.name,
      allowedOrigins: [...DEMO.allowedOrigins],
      // No reset_url/verify_url: the demo site uses the hosted pages under PUBLIC_BASE_URL (http://localhost:3000).
      settings: { email: { product_name: 'Site A' } },
      createdAt,
    }),
  );
  await putApiKey({
    keyHash: hashApiKey(DEMO.apiKey, await apiKeyPepper()),
    clientId: DEMO.clientId,
    siteId: DEMO.siteId,
    name: 'demo key',
    // Every scope, so each feature works from the demo site (make dev's banner says so).
    scopes: SCOPE_NAMES,
    status: 'active',
    createdAt,
  });
}
