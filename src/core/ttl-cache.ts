// A small per-container cache with expiry and a size bound, for lookups every request repeats (keys, tenants, origins).
import { clock } from './clock';

export function createTtlCache<V>({ maxEntries = 1_000 }: { maxEntries?: number } = {}) {
  const entries = new Map<string, { value: V; expiresAt: number }>();
  return {
    get(key: string): { value: V } | undefined {
      const hit = entries.get(key);
      if (!hit) return undefined;
      if (hit.expiresAt <= clock.now()) {
        entries.delete(key);
        return undefined;
      }
      return { value: hit.value };
    },
    set(key: string, value: V, ttlMs: number): void {
      if (ttlMs <= 0) return;
      // Oldest first: Map keeps insertion order.
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(key, { value, expiresAt: clock.now() + ttlMs });
    },
    clear: () => entries.clear(),
  };
}
