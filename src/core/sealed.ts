// Small secrets at rest under the MFA key: sealed with AES-256-GCM (TOTP seeds, phones; S27), a fresh 96-bit
// nonce each time; and keyed digests of one-time codes (S25).
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { configSlice, oneOf, secretValue, text } from './config';
import { resolveSecret } from './secrets';

const VERSION = 'v1';

/**
 * Key material for data sealed at rest and in queues (TOTP seeds, phones, queued jobs; S27, S43): given directly
 * (local), or a secret's name. Named after its first use, MFA, and kept so: renaming a secret replaces it.
 */
export const dataKeyConfig = configSlice(
  {
    MFA_KEY: secretValue(),
    MFA_KEY_SECRET_NAME: text({ min: 1 }),
  },
  (e) => ({ value: e.MFA_KEY, secretName: e.MFA_KEY_SECRET_NAME }),
  oneOf('MFA_KEY', 'MFA_KEY_SECRET_NAME'),
);

let key: Promise<Buffer> | undefined;
/** 256 bits derived from the configured key material (a generated Secrets Manager string in AWS). */
const mfaKey = () => {
  key ??= resolveSecret(dataKeyConfig(), 'MFA key').then((material) =>
    createHash('sha256').update(material).digest(),
  );
  key.catch(() => {
    key = undefined;
  });
  return key;
};

/** `v1.<nonce>.<ciphertext+tag>`, base64url; `context` is bound in as associated data (a user id). */
export async function seal(plaintext: string, context: string): Promise<string> {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await mfaKey(), nonce);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

/** The plaintext, or undefined for anything tampered with, truncated or sealed for another context. */
export async function unseal(sealed: string, context: string): Promise<string | undefined> {
  const [version, nonce, body] = sealed.split('.');
  if (version !== VERSION || !nonce || !body) return undefined;
  try {
    const data = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', await mfaKey(), Buffer.from(nonce, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}

let digestKey: Promise<Buffer> | undefined;
/**
 * HMAC-SHA256 under a key derived from the MFA key (never the encryption key itself). Six-digit codes are
 * trivially brute-forced from a plain hash; keyed, a leaked table reveals nothing without the secret (S25).
 */
export async function keyedDigest(text: string): Promise<string> {
  digestKey ??= mfaKey().then((k) =>
    createHmac('sha256', k).update('lambdalith one-time code digest').digest(),
  );
  digestKey.catch(() => {
    digestKey = undefined;
  });
  return createHmac('sha256', await digestKey)
    .update(text)
    .digest('hex');
}
