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

export const DEMO_USER = { email: 'demo@example.com', password: 'demo secret passphrase' } as const;

/**
 * A demo user with a secret-message key, so /s/{inbox} and /secrets work from the banner. Made through the API
 * itself, as a site would; on later starts it only looks the inbox up. Undefined if the demo password was changed.
 */
export async function seedDemoSecrets(): Promise<{ inbox: string } | undefined> {
  const { createApp } = await import('../app');
  const app = createApp();
  const call = async (path: string, body?: unknown, token?: string) => {
    const res = await app.request(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': DEMO.apiKey,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  await call('/auth/register', DEMO_USER);
  const login = await call('/auth/login', DEMO_USER);
  if (!login.body.token) return undefined;
  const existing = await call('/secrets/keys', undefined, login.body.token);
  if (existing.status === 200) return { inbox: existing.body.inbox as string };
  const made = await call('/secrets/keys', { password: DEMO_USER.password }, login.body.token);
  return made.status === 201 ? { inbox: made.body.inbox as string } : undefined;
}
