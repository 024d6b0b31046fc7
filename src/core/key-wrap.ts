// A private key at rest (S37): AES-256-GCM under a key derived from the owner's password with scrypt (its own
// 16-byte salt and parameters, stored with it, apart from the login hash), or from a recovery key with HKDF.
// The additional data is the public key, so a wrapped key only ever unwraps for its own pair. Any flipped byte,
// or the wrong password, fails the same way. The hosted inbox page unwraps in the browser by the same rules
// (src/secrets/browser), which docs/secrets.md spells out for other clients.
import { createCipheriv, createDecipheriv, hkdf, randomBytes, scrypt } from 'node:crypto';
import { configuredScrypt, type ScryptParams } from './passwords';

export type PasswordWrapped = {
  kdf: 'scrypt';
  params: { ln: number; r: number; p: number };
  salt: string;
  nonce: string;
  ciphertext: string;
};
export type RecoveryWrapped = { kdf: 'hkdf-sha256'; salt: string; nonce: string; ciphertext: string };

export class UnwrapError extends Error {
  constructor() {
    super('the key does not unwrap');
    this.name = 'UnwrapError';
  }
}

const RECOVERY_INFO = 'lambdalith secret key recovery v1';
const RECOVERY_BYTES = 20;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const b64 = (bytes: Buffer) => bytes.toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url');

function passwordKey(password: string, salt: Buffer, { logN, r, p }: ScryptParams): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, 32, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

function recoveryKeyBytes(key: Buffer, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    hkdf('sha256', key, salt, RECOVERY_INFO, 32, (error, derived) =>
      error ? reject(error) : resolve(Buffer.from(derived)),
    ),
  );
}

function seal(key: Buffer, secret: Uint8Array, aad: Uint8Array) {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
  return { nonce: b64(nonce), ciphertext: b64(ciphertext) };
}

function open(key: Buffer, wrapped: { nonce: string; ciphertext: string }, aad: Uint8Array): Uint8Array {
  try {
    const data = unb64(wrapped.ciphertext);
    const decipher = createDecipheriv('aes-256-gcm', key, unb64(wrapped.nonce)).setAAD(aad);
    decipher.setAuthTag(data.subarray(data.length - 16));
    return new Uint8Array(
      Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]),
    );
  } catch {
    throw new UnwrapError();
  }
}

export async function wrapWithPassword(
  secret: Uint8Array,
  password: string,
  publicKey: Uint8Array,
  params: ScryptParams = configuredScrypt(),
): Promise<PasswordWrapped> {
  const salt = randomBytes(16);
  const key = await passwordKey(password, salt, params);
  return {
    kdf: 'scrypt',
    params: { ln: params.logN, r: params.r, p: params.p },
    salt: b64(salt),
    ...seal(key, secret, publicKey),
  };
}

export async function unwrapWithPassword(
  wrapped: PasswordWrapped,
  password: string,
  publicKey: Uint8Array,
): Promise<Uint8Array> {
  const { ln, r, p } = wrapped.params;
  if (wrapped.kdf !== 'scrypt' || ln < 10 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 16)
    throw new UnwrapError();
  const key = await passwordKey(password, unb64(wrapped.salt), { logN: ln, r, p });
  return open(key, wrapped, publicKey);
}

/** A new recovery key, as the owner writes it down: 160 bits in base32, in groups of four. */
export function newRecoveryKey(): string {
  const bytes = randomBytes(RECOVERY_BYTES);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return (out.match(/.{4}/g) as string[]).join('-');
}

/** The recovery key's bytes, forgiving case, spaces and dashes; undefined when it cannot be one. */
export function parseRecoveryKey(text: string): Buffer | undefined {
  const clean = text.toUpperCase().replace(/[\s-]/g, '');
  if (!/^[A-Z2-7]{32}$/.test(clean)) return undefined;
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    value = (value << 5) | BASE32.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export async function wrapWithRecoveryKey(
  secret: Uint8Array,
  recoveryKey: string,
  publicKey: Uint8Array,
): Promise<RecoveryWrapped> {
  const bytes = parseRecoveryKey(recoveryKey);
  if (!bytes) throw new Error('not a recovery key');
  const salt = randomBytes(16);
  return {
    kdf: 'hkdf-sha256',
    salt: b64(salt),
    ...seal(await recoveryKeyBytes(bytes, salt), secret, publicKey),
  };
}

export async function unwrapWithRecoveryKey(
  wrapped: RecoveryWrapped,
  recoveryKey: string,
  publicKey: Uint8Array,
): Promise<Uint8Array> {
  const bytes = parseRecoveryKey(recoveryKey);
  if (!bytes || wrapped.kdf !== 'hkdf-sha256') throw new UnwrapError();
  return open(await recoveryKeyBytes(bytes, unb64(wrapped.salt)), wrapped, publicKey);
}
