// Resolves the calling tenant: from an x-api-key via HMAC-SHA256(pepper, key), or by id from a token's audience.
import { createHmac, randomBytes } from 'node:crypto';
import { clock } from './clock';
import { configSlice, number, oneOf, secretValue, text } from './config';
import { type ApiKeyRecord, getApiKeyByHash, markApiKeyUsed } from './db/api-keys';
import {
  type AllowlistEntry,
  type AllowlistScope,
  type ControlState,
  type Lockdown,
  readControlState,
} from './db/revocations';
import { tenantsAllowingOrigin } from './db/tenant-origins';
import { getTenant, getTenantById, type Tenant } from './db/tenants';
import { UnauthorizedError } from './errors';
import { logger } from './log';
import { resolveSecret } from './secrets';
import { createTtlCache } from './ttl-cache';

export type ResolvedApiKey = { tenant: Tenant; apiKey: ApiKeyRecord };

/** Every key failure (missing, unknown, revoked, disabled tenant) is this one response (S30). */
export const invalidApiKey = () => new UnauthorizedError('Invalid API key', 'invalid_api_key');

// Our keys are ~45 characters; anything far longer or with odd bytes is not worth a lookup.
const API_KEY_SHAPE = /^[\x21-\x7e]{8,200}$/;
// Unknown keys are remembered for less time than good ones so a newly created key works quickly.
const NEGATIVE_CACHE_MS = 5_000;

export function hashApiKey(apiKey: string, pepper: string): string {
  return createHmac('sha256', pepper).update(apiKey, 'utf8').digest('hex');
}

/** A new random API key: `ll_` and 256 bits, base64url. */
export function generateApiKey(): string {
  return `ll_${randomBytes(32).toString('base64url')}`;
}

/** API keys are stored as HMAC(pepper, key); resolved keys and sites are cached per container for a while. */
export const apiKeyConfig = configSlice(
  {
    API_KEY_PEPPER: secretValue(),
    API_KEY_PEPPER_SECRET_NAME: text({ min: 1 }),
    TENANT_CACHE_SECONDS: number(0, 3600).or(60),
    /** How often a warm container checks whether a key was revoked or a site changed (S30, S48): the bound. */
    REVOCATION_CHECK_SECONDS: number(0, 60, { fractions: true }).or(5),
  },
  (e) => ({
    pepper: { value: e.API_KEY_PEPPER, secretName: e.API_KEY_PEPPER_SECRET_NAME },
    tenantCacheSeconds: e.TENANT_CACHE_SECONDS,
    revocationCheckSeconds: e.REVOCATION_CHECK_SECONDS,
  }),
  oneOf('API_KEY_PEPPER', 'API_KEY_PEPPER_SECRET_NAME'),
);

export function apiKeyPepper(): Promise<string> {
  return resolveSecret(apiKeyConfig().pepper, 'API key pepper');
}

export function createTenantResolver({
  pepper = apiKeyPepper,
  cacheMs = apiKeyConfig().tenantCacheSeconds * 1000,
  revocationCheckMs = apiKeyConfig().revocationCheckSeconds * 1000,
}: {
  pepper?: () => Promise<string>;
  cacheMs?: number;
  /** At most this long between checks of the revocation epoch: how stale a revoked key can be here. */
  revocationCheckMs?: number;
} = {}) {
  const byKey = createTtlCache<ResolvedApiKey | undefined>();
  const byId = createTtlCache<Tenant | undefined>();
  const byOrigin = createTtlCache<string[]>();
  const negativeMs = Math.min(cacheMs, NEGATIVE_CACHE_MS);
  const clear = () => {
    byKey.clear();
    byId.clear();
    byOrigin.clear();
  };

  let control: ControlState | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  /**
   * Drops every cache when a key was revoked or a site changed anywhere since the last check, and takes the
   * lockdowns in force from the same read.
   */
  async function stayFresh(): Promise<void> {
    const now = clock.now();
    if (now - checkedAt < revocationCheckMs) return;
    checkedAt = now;
    try {
      const current = await readControlState();
      if (current.epoch !== control?.epoch) clear();
      control = current;
    } catch (error) {
      // Unable to tell: trust nothing cached, and ask again on the next request.
      clear();
      checkedAt = Number.NEGATIVE_INFINITY;
      throw error;
    }
  }

  async function lookupKey(keyHash: string): Promise<ResolvedApiKey | undefined> {
    const apiKey = await getApiKeyByHash(keyHash);
    if (apiKey?.status !== 'active') return undefined;
    const tenant = await getTenant(apiKey.clientId, apiKey.siteId);
    if (tenant?.status !== 'active') return undefined;
    // Only on a cache miss, and at most hourly per key: "last used" for operators, not a write per request.
    await markApiKeyUsed(keyHash, new Date(clock.now())).catch((error: Error) =>
      logger.warn('could not record API key use', { error }),
    );
    return { tenant, apiKey };
  }

  return {
    /** The tenant behind an API key, or the one identical 401. */
    async resolve(apiKey: string | undefined | null): Promise<ResolvedApiKey> {
      if (!apiKey || !API_KEY_SHAPE.test(apiKey)) throw invalidApiKey();
      await stayFresh();
      const keyHash = hashApiKey(apiKey, await pepper());
      const hit = byKey.get(keyHash);
      const result = hit ? hit.value : await lookupKey(keyHash);
      if (!hit) byKey.set(keyHash, result, result ? cacheMs : negativeMs);
      if (!result) throw invalidApiKey();
      return result;
    },

    /** An active tenant by `{client_id}#{site_id}`, or undefined. */
    async byId(tenantId: string): Promise<Tenant | undefined> {
      await stayFresh();
      const hit = byId.get(tenantId);
      if (hit) return hit.value;
      const found = await getTenantById(tenantId);
      const tenant = found?.status === 'active' ? found : undefined;
      byId.set(tenantId, tenant, tenant ? cacheMs : negativeMs);
      return tenant;
    },

    /** Whether any tenant allows this browser Origin (preflights carry no key to say which). */
    async anyTenantAllows(origin: string): Promise<boolean> {
      await stayFresh();
      let tenants = byOrigin.get(origin)?.value;
      if (!tenants) {
        tenants = await tenantsAllowingOrigin(origin);
        byOrigin.set(origin, tenants, tenants.length ? cacheMs : negativeMs);
      }
      return tenants.length > 0;
    },

    /** The emergency lockdown covering this site (global or its own), as of the last check (S48). */
    async lockdownOf(tenantId: string): Promise<Lockdown | undefined> {
      await stayFresh();
      return control?.lockdowns.global ?? control?.lockdowns[`tenant:${tenantId}`];
    },

    /** Epoch ms before which this site's API sessions are over (a lockdown revoked them), if any. */
    async sessionsRevokedBefore(tenantId: string): Promise<number | undefined> {
      await stayFresh();
      const times = [control?.revokedBefore.global, control?.revokedBefore[`tenant:${tenantId}`]];
      const set = times.filter((t): t is number => t !== undefined);
      return set.length ? Math.max(...set) : undefined;
    },

    /** A scope's IP allowlist as of the last check (S48: no read of its own); undefined when it has none. */
    async allowlist(scope: AllowlistScope): Promise<AllowlistEntry[] | undefined> {
      await stayFresh();
      const entries = control?.allowlists[scope];
      return entries?.length ? entries : undefined;
    },

    /** Every lockdown in force, as of the last check (the console's banner). */
    async lockdowns(): Promise<ControlState['lockdowns']> {
      await stayFresh();
      return control?.lockdowns ?? {};
    },

    /** Forget everything cached here, the control state included: this container changed something. */
    clear: () => {
      clear();
      checkedAt = Number.NEGATIVE_INFINITY;
    },
  };
}

export type TenantResolver = ReturnType<typeof createTenantResolver>;

let defaultResolver: TenantResolver | undefined;

export function tenantResolver(): TenantResolver {
  defaultResolver ??= createTenantResolver();
  return defaultResolver;
}
