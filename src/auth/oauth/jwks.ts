// The provider's signing keys, from its JWKS: fetched once per container and again (at most every 30 s) when a
// token names a key we have not seen, as keys rotate. Keys become node KeyObjects for jose's jwtVerify, so none of
// jose's remote-JWKS code joins the chunks every cold start reads.
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JWTHeaderParameters } from 'jose';

type Jwk = { kid?: string; kty?: string; use?: string; alg?: string; [field: string]: unknown };
type KeySet = { keys: Jwk[]; fetchedAt: number };

const REFETCH_AFTER_MS = 30_000;
const TIMEOUT_MS = 8_000;
const sets = new Map<string, Promise<KeySet>>();

async function fetchSet(uri: string): Promise<KeySet> {
  const response = await fetch(uri, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
  const body = (await response.json().catch(() => undefined)) as { keys?: unknown } | undefined;
  if (!response.ok || !Array.isArray(body?.keys)) throw new Error(`JWKS: HTTP ${response.status}`);
  return { keys: body.keys as Jwk[], fetchedAt: Date.now() };
}

function setOf(uri: string, fresh: boolean): Promise<KeySet> {
  let pending = sets.get(uri);
  if (!pending || fresh) {
    pending = fetchSet(uri);
    // A failed fetch is not kept: the next sign-in asks again.
    pending.catch(() => sets.delete(uri));
    sets.set(uri, pending);
  }
  return pending;
}

const matching = (keys: Jwk[], header: JWTHeaderParameters) =>
  keys.filter(
    (k) =>
      (header.kid === undefined || k.kid === header.kid) &&
      (k.use === undefined || k.use === 'sig') &&
      (k.alg === undefined || k.alg === header.alg),
  );

/** jose's key lookup: the one JWKS key the token's header names, refetching once for an unknown kid. */
export function remoteKeys(uri: string) {
  return async (header: JWTHeaderParameters): Promise<KeyObject> => {
    let set = await setOf(uri, false);
    let found = matching(set.keys, header);
    if (found.length === 0 && Date.now() - set.fetchedAt > REFETCH_AFTER_MS) {
      set = await setOf(uri, true);
      found = matching(set.keys, header);
    }
    if (found.length !== 1) throw new Error('no single matching key in the provider JWKS');
    return createPublicKey({ key: found[0] as never, format: 'jwk' });
  };
}
