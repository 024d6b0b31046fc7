// The browser's half of core/key-wrap.ts: scrypt (noble, since WebCrypto has none) then AES-256-GCM with the public
// key as additional data. Kept apart from the pages so a test can check it against the server's wrapping.
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { fromBase64Url } from '../envelope';

export type WrappedKey = {
  kdf: 'scrypt';
  params: { ln: number; r: number; p: number };
  salt: string;
  nonce: string;
  ciphertext: string;
};

export async function unwrapPrivateKey(
  wrapped: WrappedKey,
  password: string,
  publicKey: Uint8Array<ArrayBuffer>,
) {
  const { ln, r, p } = wrapped.params;
  if (wrapped.kdf !== 'scrypt' || ln < 10 || ln > 20) throw new Error('unsupported key wrapping');
  const keyBytes = await scryptAsync(
    new TextEncoder().encode(password.normalize('NFC')),
    fromBase64Url(wrapped.salt),
    {
      N: 2 ** ln,
      r,
      p,
      dkLen: 32,
      maxmem: 256 * 2 ** ln * r,
    },
  );
  const key = await crypto.subtle.importKey('raw', keyBytes, 'AES-GCM', false, ['decrypt']);
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(wrapped.nonce), additionalData: publicKey },
    key,
    fromBase64Url(wrapped.ciphertext),
  );
  return new Uint8Array(plain);
}
