// The secret-message envelope, fixed so any client can interoperate (docs/secrets.md):
//   HPKE (RFC 9180) base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM,
//   info = "lambdalith secret message v1", no AAD;
//   envelope = "v1." + base64url(enc || ciphertext), enc being the 32-byte encapsulated key.
// Only WebCrypto and the @hpke packages: the same module seals in the browser (the hosted send page) and on the
// server (plaintext sending), and opens in both.
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';

export const ENVELOPE_INFO = new TextEncoder().encode('lambdalith secret message v1');
const PREFIX = 'v1.';
const ENC_BYTES = 32;
/** An AES-GCM tag: the least a ciphertext can be. */
const TAG_BYTES = 16;

export const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

export class EnvelopeError extends Error {
  constructor(message = 'not a v1 envelope') {
    super(message);
    this.name = 'EnvelopeError';
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new EnvelopeError('not base64url');
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** A new keypair's raw bytes: the 32-byte X25519 private and public keys. */
export async function generateKeyPair(): Promise<{ privateKey: Uint8Array; publicKey: Uint8Array }> {
  const pair = await suite.kem.generateKeyPair();
  return {
    privateKey: new Uint8Array(await suite.kem.serializePrivateKey(pair.privateKey)),
    publicKey: new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey)),
  };
}

/** Seals UTF-8 text to a raw public key. */
export async function sealText(publicKey: Uint8Array, text: string): Promise<string> {
  const recipientPublicKey = await suite.kem.deserializePublicKey(publicKey);
  const { enc, ct } = await suite.seal(
    { recipientPublicKey, info: ENVELOPE_INFO },
    new TextEncoder().encode(text),
  );
  const out = new Uint8Array(enc.byteLength + ct.byteLength);
  out.set(new Uint8Array(enc), 0);
  out.set(new Uint8Array(ct), enc.byteLength);
  return PREFIX + toBase64Url(out);
}

/** The envelope's parts, checked for shape only (whether it opens is for the key holder to find out). */
export function parseEnvelope(envelope: string): { enc: Uint8Array; ciphertext: Uint8Array } {
  if (!envelope.startsWith(PREFIX)) throw new EnvelopeError();
  const bytes = fromBase64Url(envelope.slice(PREFIX.length));
  if (bytes.length < ENC_BYTES + TAG_BYTES) throw new EnvelopeError('too short to be an envelope');
  return { enc: bytes.slice(0, ENC_BYTES), ciphertext: bytes.slice(ENC_BYTES) };
}

/** Opens an envelope with a raw private key; any tampering (or the wrong key) throws EnvelopeError. */
export async function openEnvelope(privateKey: Uint8Array, envelope: string): Promise<string> {
  const { enc, ciphertext } = parseEnvelope(envelope);
  try {
    const recipientKey = await suite.kem.deserializePrivateKey(privateKey);
    const plaintext = await suite.open({ recipientKey, enc, info: ENVELOPE_INFO }, ciphertext);
    return new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch {
    throw new EnvelopeError('the envelope does not open');
  }
}

/** A short, stable name for a public key: what a sender compares with what the recipient sees. */
export async function fingerprintOf(publicKey: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(publicKey)));
  return `SHA256:${toBase64Url(digest).slice(0, 27)}`;
}
