// Small crypto helpers shared by features: opaque random tokens and their stored digests.
import { createHash, randomBytes } from 'node:crypto';

/** A URL-safe random token; 32 bytes = 256 bits unless asked otherwise. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** What we store instead of a bearer secret (refresh tokens, reset tokens): its SHA-256, hex. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
