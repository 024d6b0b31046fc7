// A site's secret-message settings (the console edits them). Off-by-default where the issue says so: plaintext
// sending; on by default: the feature itself and server-side opening, which the seed asks for.
import * as z from 'zod';
import type { Tenant } from '../core/db/tenants';
import { int, nested, tenantSettings } from '../core/tenant-settings';

const DAY = 86_400;
export const TTL_LIMITS = { min: 300, max: 30 * DAY, default: 7 * DAY } as const;
/** The most an envelope may be, whatever a site says: what one DynamoDB item holds comfortably. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;

export const secretSettings = tenantSettings({
  secrets: nested({
    enabled: z.boolean().catch(true),
    ttl_min_seconds: int(TTL_LIMITS.min, TTL_LIMITS.max, TTL_LIMITS.min),
    ttl_max_seconds: int(TTL_LIMITS.min, TTL_LIMITS.max, TTL_LIMITS.max),
    ttl_default_seconds: int(TTL_LIMITS.min, TTL_LIMITS.max, TTL_LIMITS.default),
    max_bytes: int(1024, MAX_ENVELOPE_BYTES, MAX_ENVELOPE_BYTES),
    /** The seed's flow: the server unwraps the key with the password and opens the message. Off = zero-knowledge only. */
    server_open: z.boolean().catch(true),
    /** Senders may post {text}; the server seals it at once and never stores or logs it. */
    plaintext_send: z.boolean().catch(false),
    /** Sealed bytes one user may hold. */
    quota_bytes: int(64 * 1024, 100 * 1024 * 1024, 5 * 1024 * 1024),
    send_per_hour_per_ip: int(1, 100_000, 60),
    send_per_hour_per_inbox: int(1, 100_000, 100),
  }),
});

export type SecretSettings = ReturnType<typeof secretSettings>['secrets'];

/** The TTL bounds in force, made consistent whatever was stored (min <= default <= max). */
export function ttlBounds(tenant: Tenant): { min: number; max: number; default: number } {
  const s = secretSettings(tenant).secrets;
  const min = Math.min(s.ttl_min_seconds, s.ttl_max_seconds);
  const max = Math.max(s.ttl_min_seconds, s.ttl_max_seconds);
  return { min, max, default: Math.min(max, Math.max(min, s.ttl_default_seconds)) };
}
