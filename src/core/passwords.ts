// scrypt password hashing. A stored hash names its own parameters: $scrypt$ln=16,r=8,p=2$<salt>$<key>.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { configSlice, number } from './config';

export type ScryptParams = { logN: number; r: number; p: number };

/**
 * Production default, chosen by measurement (closing note of issue 2): 64 MiB and ~370 ms on a 2-core
 * x86 box, against 128 MiB and ~570 ms for ln=17,p=1, the other OWASP-floor choice.
 */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 16, r: 8, p: 2 };

const SALT_BYTES = 16;
const KEY_BYTES = 32;
const PREFIX = '$scrypt$';
const HASH_PATTERN =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** OWASP's scrypt floor: N=2^17 with p=1, or 2^16/p=2, 2^15/p=3, 2^14/p=5, all with r=8. */
export function meetsOwaspFloor({ logN, r, p }: ScryptParams): boolean {
  if (r < 8) return false;
  const minP: Record<number, number> = { 14: 5, 15: 3, 16: 2, 17: 1 };
  if (logN >= 17) return true;
  const need = minP[logN];
  return need !== undefined && p >= need;
}

/** The scrypt cost (tests lower it; the default meets OWASP's floor, S4). */
export const scryptConfig = configSlice(
  {
    SCRYPT_LOG_N: number(10, 20).or(16),
    SCRYPT_R: number(1, 32).or(8),
    SCRYPT_P: number(1, 16).or(2),
  },
  (e): ScryptParams => ({ logN: e.SCRYPT_LOG_N, r: e.SCRYPT_R, p: e.SCRYPT_P }),
);

export function configuredScrypt(): ScryptParams {
  return scryptConfig();
}

export async function hashPassword(
  password: string,
  params: ScryptParams = configuredScrypt(),
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  const { logN, r, p } = params;
  return `${PREFIX}ln=${logN},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True only when `password` matches; a malformed stored hash is simply a mismatch. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** True when a stored hash was made with weaker parameters than `params` (login re-hashes then). */
export function needsRehash(stored: string, params: ScryptParams = configuredScrypt()): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  const { logN, r, p } = parsed.params;
  return logN < params.logN || r < params.r || p < params.p;
}

export function parseHash(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const match = HASH_PATTERN.exec(stored);
  if (!match) return undefined;
  const [, ln, r, p, salt, key] = match;
  const params = { logN: Number(ln), r: Number(r), p: Number(p) };
  // Refuse absurd parameters from a tampered row rather than exhaust memory.
  if (params.logN < 1 || params.logN > 20 || params.r < 1 || params.p < 1) return undefined;
  return { params, salt: Buffer.from(salt as string, 'base64'), key: Buffer.from(key as string, 'base64') };
}

function derive(
  password: string,
  salt: Buffer,
  { logN, r, p }: ScryptParams,
  length = KEY_BYTES,
): Promise<Buffer> {
  const N = 2 ** logN;
  // Node refuses anything above 32 MiB unless told; give it the need (128*N*r) plus headroom.
  const maxmem = 128 * N * r * 2;
  // S2: the password exactly as sent, only NFC-normalised so the same characters always hash the same.
  const normalised = password.normalize('NFC');
  return new Promise((resolve, reject) => {
    scrypt(normalised, salt, length, { N, r, p, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
