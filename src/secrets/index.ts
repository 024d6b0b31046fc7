// The secret-message feature's public face: what the console shows and does for a user and a site.
import { clock } from '../core/clock';
import { getSecretKey } from '../core/db/secret-keys';
import { listMessages } from './store';

export { MAX_ENVELOPE_BYTES, secretSettings, TTL_LIMITS, ttlBounds } from './settings';
export { deleteAllMessages as deleteAllSecretMessages } from './store';

/** Counts only, never content: whether the user has a key, and their live messages and bytes. */
export async function secretSummary(userId: string) {
  const key = await getSecretKey(userId);
  if (!key) return { hasKey: false, messages: 0, bytes: 0 };
  const now = clock.seconds();
  const live = (await listMessages(userId)).filter((m) => m.expiresAt > now && m.readsLeft > 0);
  return {
    hasKey: true,
    createdAt: key.createdAt,
    messages: live.length,
    bytes: live.reduce((sum, m) => sum + m.bytes, 0),
  };
}
