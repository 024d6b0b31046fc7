// The fixed crypto of secret messages (docs/secrets.md): HPKE per RFC 9180, the v1 envelope, and the private key
// wrapped under a password (scrypt + AES-256-GCM) and a recovery key (HKDF), opened alike by the server and by the
// browser's code.
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { describe, expect, it } from 'vitest';
import {
  newRecoveryKey,
  parseRecoveryKey,
  UnwrapError,
  unwrapWithPassword,
  unwrapWithRecoveryKey,
  wrapWithPassword,
  wrapWithRecoveryKey,
} from '../../src/core/key-wrap';
import { unwrapPrivateKey } from '../../src/secrets/browser/unwrap';
import {
  EnvelopeError,
  fingerprintOf,
  fromBase64Url,
  generateKeyPair,
  openEnvelope,
  parseEnvelope,
  sealText,
  toBase64Url,
} from '../../src/secrets/envelope';

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const toHex = (b: ArrayBuffer | Uint8Array) => Buffer.from(b as ArrayBuffer).toString('hex');
const fast = { logN: 10, r: 8, p: 1 };

// RFC 9180, Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode, sequence 0.
// (The RFC publishes no X25519 vectors with AES-256-GCM; everything but the AEAD's key length is shared.)
const A1 = {
  info: '4f6465206f6e2061204772656369616e2055726e',
  ikmE: '7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234',
  ikmR: '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037',
  pkRm: '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
  skRm: '4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8',
  enc: '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431',
  pt: '4265617574792069732074727574682c20747275746820626561757479',
  aad: '436f756e742d30',
  ct: 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a',
};

describe('HPKE (RFC 9180)', () => {
  it("reproduces Appendix A.1's key pair, encapsulation and ciphertext, and opens it", async () => {
    const suite = new CipherSuite({
      kem: new DhkemX25519HkdfSha256(),
      kdf: new HkdfSha256(),
      aead: new Aes128Gcm(),
    });
    const recipient = await suite.kem.deriveKeyPair(hex(A1.ikmR).buffer);
    expect(toHex(await suite.kem.serializePublicKey(recipient.publicKey))).toBe(A1.pkRm);
    expect(toHex(await suite.kem.serializePrivateKey(recipient.privateKey))).toBe(A1.skRm);
    const sender = await suite.createSenderContext({
      recipientPublicKey: recipient.publicKey,
      info: hex(A1.info),
      ekm: hex(A1.ikmE).buffer,
    });
    expect(toHex(sender.enc)).toBe(A1.enc);
    expect(toHex(await sender.seal(hex(A1.pt), hex(A1.aad)))).toBe(A1.ct);
    const receiver = await suite.createRecipientContext({
      recipientKey: recipient.privateKey,
      enc: hex(A1.enc),
      info: hex(A1.info),
    });
    expect(toHex(await receiver.open(hex(A1.ct), hex(A1.aad)))).toBe(A1.pt);
  });
});

describe('the v1 envelope', () => {
  it('seals to a public key and opens with its private key: "v1." + base64url(enc || ciphertext)', async () => {
    const pair = await generateKeyPair();
    const envelope = await sealText(pair.publicKey, 'the launch code is 0000 ✓');
    expect(envelope).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    const { enc, ciphertext } = parseEnvelope(envelope);
    expect(enc).toHaveLength(32);
    // UTF-8 text plus the 16-byte tag.
    expect(ciphertext).toHaveLength(Buffer.byteLength('the launch code is 0000 ✓') + 16);
    expect(await openEnvelope(pair.privateKey, envelope)).toBe('the launch code is 0000 ✓');
  });

  it('S37: any flipped byte, the wrong key, or junk fails the same way', async () => {
    const pair = await generateKeyPair();
    const other = await generateKeyPair();
    const envelope = await sealText(pair.publicKey, 'secret');
    const bytes = fromBase64Url(envelope.slice(3));
    for (const position of [0, 31, 32, bytes.length - 1]) {
      const flipped = Uint8Array.from(bytes);
      flipped[position] = (flipped[position] as number) ^ 1;
      await expect(openEnvelope(pair.privateKey, `v1.${toBase64Url(flipped)}`)).rejects.toThrow(
        EnvelopeError,
      );
    }
    await expect(openEnvelope(other.privateKey, envelope)).rejects.toThrow(EnvelopeError);
    for (const junk of ['', 'v2.abc', 'v1.', 'v1.!!!', `v1.${'A'.repeat(40)}`]) {
      await expect(openEnvelope(pair.privateKey, junk)).rejects.toThrow(EnvelopeError);
    }
  });

  it('names a public key by a stable fingerprint', async () => {
    const pair = await generateKeyPair();
    expect(await fingerprintOf(pair.publicKey)).toBe(await fingerprintOf(Uint8Array.from(pair.publicKey)));
    expect(await fingerprintOf(pair.publicKey)).toMatch(/^SHA256:[\w-]{27}$/);
  });
});

describe('S37: the private key at rest', () => {
  it('wraps under the password with its own salt and parameters, and only that password unwraps it', async () => {
    const pair = await generateKeyPair();
    const wrapped = await wrapWithPassword(pair.privateKey, 'correct horse', pair.publicKey, fast);
    expect(wrapped).toMatchObject({ kdf: 'scrypt', params: { ln: 10, r: 8, p: 1 } });
    expect(fromBase64Url(wrapped.salt)).toHaveLength(16);
    expect(fromBase64Url(wrapped.nonce)).toHaveLength(12);
    expect(await unwrapWithPassword(wrapped, 'correct horse', pair.publicKey)).toEqual(pair.privateKey);
    await expect(unwrapWithPassword(wrapped, 'Correct horse', pair.publicKey)).rejects.toThrow(UnwrapError);
    // Bound to its own public key (the additional data): another pair's key does not fit.
    const other = await generateKeyPair();
    await expect(unwrapWithPassword(wrapped, 'correct horse', other.publicKey)).rejects.toThrow(UnwrapError);
    // A flipped byte anywhere fails the same way.
    const ct = fromBase64Url(wrapped.ciphertext);
    ct[5] = (ct[5] as number) ^ 1;
    await expect(
      unwrapWithPassword({ ...wrapped, ciphertext: toBase64Url(ct) }, 'correct horse', pair.publicKey),
    ).rejects.toThrow(UnwrapError);
    // A fresh salt and nonce every time.
    const again = await wrapWithPassword(pair.privateKey, 'correct horse', pair.publicKey, fast);
    expect(again.salt).not.toBe(wrapped.salt);
    expect(again.nonce).not.toBe(wrapped.nonce);
  });

  it("the browser's unwrapping (noble scrypt, WebCrypto) opens what the server wrapped", async () => {
    const pair = await generateKeyPair();
    const wrapped = await wrapWithPassword(pair.privateKey, 'pässword NFC', pair.publicKey, fast);
    // The same text typed decomposed (NFD) unwraps too: both sides normalise to NFC (S2).
    const decomposed = 'pässword NFC'.normalize('NFD');
    expect(await unwrapPrivateKey(wrapped, decomposed, new Uint8Array(pair.publicKey))).toEqual(
      pair.privateKey,
    );
    await expect(unwrapPrivateKey(wrapped, 'wrong', new Uint8Array(pair.publicKey))).rejects.toThrow();
  });

  it('a recovery key is 160 bits, written in groups, forgiving case and spacing, and unwraps its copy', async () => {
    const pair = await generateKeyPair();
    const recovery = newRecoveryKey();
    expect(recovery).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$/);
    expect(parseRecoveryKey(recovery)).toHaveLength(20);
    expect(parseRecoveryKey(recovery.toLowerCase().replaceAll('-', ' '))).toEqual(parseRecoveryKey(recovery));
    expect(parseRecoveryKey('not a key')).toBeUndefined();
    const wrapped = await wrapWithRecoveryKey(pair.privateKey, recovery, pair.publicKey);
    expect(await unwrapWithRecoveryKey(wrapped, recovery.toLowerCase(), pair.publicKey)).toEqual(
      pair.privateKey,
    );
    await expect(unwrapWithRecoveryKey(wrapped, newRecoveryKey(), pair.publicKey)).rejects.toThrow(
      UnwrapError,
    );
  });
});
