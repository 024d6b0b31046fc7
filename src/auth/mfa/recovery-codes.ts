// Recovery codes (S26): ten codes of 100 bits each, shown once, stored only as SHA-256 digests, single use.
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../core/crypto';

export const RECOVERY_CODE_COUNT = 10;

/** xxxxx-xxxxx-xxxxx-xxxxx in lower-case base32 (no 0/1/8/9 confusion): 20 characters, 100 bits. */
export function newRecoveryCodes(): string[] {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(20);
    const chars = [...bytes].map((b) => alphabet[b % 32]).join('');
    return chars.match(/.{5}/g)?.join('-') as string;
  });
}

/** Case and dash insensitive, so "ABCDE FGHIJ..." typed from paper still works. */
export const recoveryCodeHash = (code: string) => sha256Hex(code.toLowerCase().replace(/[^a-z2-7]/g, ''));
