// Resolves an x-api-key to its tenant via HMAC-SHA256(pepper, key), caching briefly per warm container.
import { createHmac, randomBytes } from 'node:crypto';
import { clock } from './clock';
import { getConfig } from './config';
import { type ApiKeyRecord, getApiKeyByHash } from './db/api-keys';
import { getTenant, type Tenant } from './db/tenants';
import { UnauthorizedError } from './errors';
import { resolveSecret } from './secrets';

export type ResolvedApiKey = { tenant: Tenant; apiKey: ApiKeyRecord };

/** Every key failure (missing, unknown, revoked, disabled tenant) is this one response (S30). */
export const invalidApiKey = () => new UnauthorizedError('Invalid API key', 'invalid_api_key');

// Our keys are ~45 characters; anything far longer or with odd bytes is not worth a lookup.
const API_KEY_SHAPE = /^[\x21-\x7e]{8,200}$/;
// Unknown keys are remembered for less time than good ones so a newly created key works quickly.
const NEGATIVE_CACHE_MS = 5_000;
const MAX_CACHE_ENTRIES = 1_000;

export function hashApiKey(apiKey: string, pepper: string): string {
  return createHmac('sha256', pepper).update(apiKey, 'utf8').digest('hex');
}

/** A new random API key: `ll_` and 256 bits, base64url. */
export function generateApiKey(): string {
  return `ll_${randomBytes(32).toString('base64url')}`;
}

export function apiKeyPepper(): Promise<string> {
  return resolveSecret(getConfig().apiKeyPepper, 'API key pepper');
}

type CacheEntry = { result: ResolvedApiKey | undefined; expiresAt: number };

export function createTenantResolver({
  pepper = apiKeyPepper,
  cacheMs = getConfig().tenantCacheSeconds * 1000,
}: {
  pepper?: () => Promise<string>;
  cacheMs?: number;
} = {}) {
  const cache = new Map<string, CacheEntry>();

  async function lookup(keyHash: string): Promise<ResolvedApiKey | undefined> {
    const apiKey = await getApiKeyByHash(keyHash);
    if (apiKey?.status !== 'active') return undefined;
    const tenant = await getTenant(apiKey.clientId, apiKey.siteId);
    if (tenant?.status !== 'active') return undefined;
    return { tenant, apiKey };
  }

  function remember(keyHash: string, result: ResolvedApiKey | undefined) {
    if (cache.size >= MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    const ttl = result ? cacheMs : Math.min(cacheMs, NEGATIVE_CACHE_MS);
    cache.set(keyHash, { result, expiresAt: clock.now() + ttl });
  }

  return {
    /** The tenant behind an API key, or the one identical 401. */
    async resolve(apiKey: string | undefined | null): Promise<ResolvedApiKey> {
      if (!apiKey || !API_KEY_SHAPE.test(apiKey)) throw invalidApiKey();
      const keyHash = hashApiKey(apiKey, await pepper());
      const hit = cache.get(keyHash);
      let result: ResolvedApiKey | undefined;
      if (hit && hit.expiresAt > clock.now()) {
        result = hit.result;
      } else {
        result = await lookup(keyHash);
        if (cacheMs > 0) remember(keyHash, result);
      }
      if (!result) throw invalidApiKey();
      return result;
    },
    clear: () => cache.clear(),
  };
}

export type TenantResolver = ReturnType<typeof createTenantResolver>;

let defaultResolver: TenantResolver | undefined;

export function tenantResolver(): TenantResolver {
  defaultResolver ??= createTenantResolver();
  return defaultResolver;
}
