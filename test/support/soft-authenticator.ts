// A software WebAuthn authenticator for the API tests: ES256 keys, "none" attestation, a signature counter the test
// controls (so a cloned authenticator replaying an old counter can be made), and discoverable credentials with a
// user handle. It builds exactly the JSON @simplewebauthn/browser would hand a site.
import { createHash, createSign, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

type Options = { challenge: string; rp?: { id?: string }; rpId?: string; user?: { id: string } };
const b64 = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export function softAuthenticator(origin: string) {
  const credentials: { id: Buffer; key: KeyObject; rpId: string; userHandle: string; counter: number }[] = [];
  const clientData = (type: string, challenge: string) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  const rpHash = (rpId: string) => createHash('sha256').update(rpId).digest();
  const flags = (extra = 0) => Buffer.from([0x01 | 0x04 | extra]); // user present, user verified

  return {
    credentials,
    /** navigator.credentials.create(options) */
    register(options: Options) {
      const rpId = options.rp?.id as string;
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const cose = isoCBOR.encode(
        new Map<number, number | Uint8Array>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, Buffer.from(jwk.x as string, 'base64url')],
          [-3, Buffer.from(jwk.y as string, 'base64url')],
        ]),
      );
      const id = randomBytes(16);
      const credIdLen = Buffer.alloc(2);
      credIdLen.writeUInt16BE(id.length);
      const authData = Buffer.concat([
        rpHash(rpId),
        flags(0x40),
        u32(0),
        Buffer.alloc(16),
        credIdLen,
        id,
        cose,
      ]);
      const attestationObject = isoCBOR.encode(
        new Map<string, unknown>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', new Uint8Array(authData)],
        ]) as never,
      );
      credentials.push({ id, key: privateKey, rpId, userHandle: options.user?.id as string, counter: 0 });
      return {
        id: b64(id),
        rawId: b64(id),
        type: 'public-key' as const,
        response: {
          clientDataJSON: b64(clientData('webauthn.create', options.challenge)),
          attestationObject: b64(attestationObject),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform' as const,
      };
    },
    /** navigator.credentials.get(options), with the given credential (default: the last one) and counter step. */
    assert(
      options: Options,
      {
        credential = credentials.at(-1),
        counter,
      }: { credential?: (typeof credentials)[number]; counter?: number } = {},
    ) {
      if (!credential) throw new Error('no credential');
      credential.counter = counter ?? credential.counter + 1;
      const authData = Buffer.concat([
        rpHash(options.rpId ?? credential.rpId),
        flags(),
        u32(credential.counter),
      ]);
      const data = clientData('webauthn.get', options.challenge);
      const signer = createSign('SHA256');
      signer.update(Buffer.concat([authData, createHash('sha256').update(data).digest()]));
      return {
        id: b64(credential.id),
        rawId: b64(credential.id),
        type: 'public-key' as const,
        response: {
          clientDataJSON: b64(data),
          authenticatorData: b64(authData),
          signature: b64(signer.sign(credential.key)),
          userHandle: credential.userHandle,
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform' as const,
      };
    },
  };
}
