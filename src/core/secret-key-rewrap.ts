// What a password change or reset means for a user's secret-message key (S39). A change, which proves the old
// password, re-wraps the private key under the new one: messages stay readable. A reset cannot (nobody has the old
// password), so the key stays wrapped under the old password and locked until the owner brings the recovery key.
import { audit, type RequestMeta } from './audit';
import { getSecretKey, replaceWrappedKey } from './db/secret-keys';
import { fromBase64 } from './key-encoding';
import { UnwrapError, unwrapWithPassword, wrapWithPassword } from './key-wrap';

export type RewrapOutcome = 'no_key' | 'rewrapped' | 'locked';

export async function rewrapSecretKey(
  userId: string,
  oldPassword: string,
  newPassword: string,
  passwordStamp: number,
  meta: RequestMeta,
): Promise<RewrapOutcome> {
  const key = await getSecretKey(userId);
  if (!key) return 'no_key';
  const publicKey = fromBase64(key.publicKey);
  let secret: Uint8Array;
  try {
    secret = await unwrapWithPassword(key.wrapped, oldPassword, publicKey);
  } catch (error) {
    // Already locked by an earlier reset: the recovery key is still the way back.
    if (error instanceof UnwrapError) return 'locked';
    throw error;
  }
  const wrapped = await wrapWithPassword(secret, newPassword, publicKey);
  secret.fill(0);
  if (!(await replaceWrappedKey(userId, key.wrapped, wrapped, passwordStamp))) return 'locked';
  await audit(meta, { tenantId: key.tenantId, event: 'secret_key_rotated', outcome: 'success', userId });
  return 'rewrapped';
}

/** After a reset: whether the user has a key, which is now locked until recovered. */
export async function hasSecretKey(userId: string): Promise<boolean> {
  return (await getSecretKey(userId)) !== undefined;
}
