// A user's secret-message keypair: made once (the private key wrapped under their password and a recovery key shown
// once), described to its owner and to senders, and unlocked again with the recovery key after a password reset.
import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../app-env';
import { underLoginBudget, verifyCredentials } from '../auth';
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import {
  createSecretKey,
  getSecretKey,
  replaceSecretKey,
  replaceWrappedKey,
  type SecretKey,
  SecretKeyExistsError,
} from '../core/db/secret-keys';
import { ConflictError, ForbiddenError, NotFoundError } from '../core/errors';
import { fromBase64, toBase64 } from '../core/key-encoding';
import {
  newRecoveryKey,
  UnwrapError,
  unwrapWithPassword,
  unwrapWithRecoveryKey,
  wrapWithPassword,
  wrapWithRecoveryKey,
} from '../core/key-wrap';
import { fingerprintOf, generateKeyPair } from './envelope';
import { deleteAllMessages } from './store';

export const keyLocked = () =>
  new ConflictError(
    'Your password was reset since this key was made: unlock it with your recovery key (POST /secrets/keys/recover)',
    'secret_key_locked',
  );
const noKey = () =>
  new NotFoundError('You have no secret-message key yet (POST /secrets/keys)', 'no_secret_key');

/** POST /secrets/keys: the password must be the account's (a wrong one is a login failure, S7). */
export async function createKeys(auth: AuthContext, password: string, meta: RequestMeta) {
  const user = await verifyCredentials(auth.tenant, auth.user.email, password, meta);
  if (await getSecretKey(user.userId)) throw keyExists();
  const { material, recoveryKey } = await newKeyMaterial(password, user.passwordChangedAt);
  const key = {
    ...material,
    userId: user.userId,
    tenantId: auth.tenant.id,
    // 144 bits: unguessable, so knowing an inbox is what lets a site's sender write to it.
    inbox: randomBytes(18).toString('base64url'),
  };
  try {
    await createSecretKey(key);
  } catch (error) {
    if (error instanceof SecretKeyExistsError) throw keyExists();
    throw error;
  }
  await audit(meta, {
    tenantId: auth.tenant.id,
    event: 'secret_key_created',
    outcome: 'success',
    userId: user.userId,
  });
  return {
    inbox: key.inbox,
    public_key: key.publicKey,
    fingerprint: key.fingerprint,
    recovery_key: recoveryKey,
  };
}

/** A fresh pair, its private key wrapped under the password and a new recovery key (returned to show once). */
async function newKeyMaterial(password: string, passwordStamp: number) {
  const pair = await generateKeyPair();
  const recoveryKey = newRecoveryKey();
  const [wrapped, recovery, fingerprint] = await Promise.all([
    wrapWithPassword(pair.privateKey, password, pair.publicKey),
    wrapWithRecoveryKey(pair.privateKey, recoveryKey, pair.publicKey),
    fingerprintOf(pair.publicKey),
  ]);
  pair.privateKey.fill(0);
  const material = {
    publicKey: toBase64(pair.publicKey),
    fingerprint,
    wrapped,
    recovery,
    passwordStamp,
    createdAt: new Date(clock.now()).toISOString(),
  };
  return { material, recoveryKey };
}

/**
 * POST /secrets/keys/replace: a new keypair on the same inbox, for a user who lost their recovery key after a reset
 * (or fears the old key is known). Messages sealed to the old key can never be opened, so they are deleted.
 */
export async function replaceKeys(auth: AuthContext, password: string, meta: RequestMeta) {
  const user = await verifyCredentials(auth.tenant, auth.user.email, password, meta);
  const key = await getSecretKey(user.userId);
  if (!key) throw noKey();
  const { material, recoveryKey } = await newKeyMaterial(password, user.passwordChangedAt);
  if (!(await replaceSecretKey(key, material))) {
    throw new ConflictError('Your key was replaced meanwhile; try again', 'secret_key_changed');
  }
  const deleted = await deleteAllMessages(user.userId);
  await audit(meta, {
    tenantId: auth.tenant.id,
    event: 'secret_key_replaced',
    outcome: 'success',
    userId: user.userId,
    detail: { messages_deleted: deleted },
  });
  return {
    inbox: key.inbox,
    public_key: material.publicKey,
    fingerprint: material.fingerprint,
    recovery_key: recoveryKey,
  };
}

const keyExists = () => new ConflictError('You already have a secret-message key', 'secret_key_exists');

/** What the owner is told about their key: never any of the key material. */
const keyView = (key: SecretKey) => ({
  inbox: key.inbox,
  public_key: key.publicKey,
  fingerprint: key.fingerprint,
  created_at: key.createdAt,
});

export async function describeKeys(auth: AuthContext) {
  const key = await getSecretKey(auth.userId);
  if (!key) throw noKey();
  return keyView(key);
}

/**
 * POST /secrets/keys/recover: the recovery key unwraps the private key, which is wrapped again under the current
 * password (proved like a sign-in). Messages sealed before a reset are readable again.
 */
export async function recoverKeys(
  auth: AuthContext,
  recoveryKey: string,
  password: string,
  meta: RequestMeta,
) {
  const user = await verifyCredentials(auth.tenant, auth.user.email, password, meta);
  const key = await getSecretKey(user.userId);
  if (!key) throw noKey();
  const publicKey = fromBase64(key.publicKey);
  // A wrong recovery key counts like a wrong password: it is a guess at a secret.
  const secret = await underLoginBudget(auth.tenant, user.email, meta.ip, () =>
    unwrapWithRecoveryKey(key.recovery, recoveryKey, publicKey).catch((error) => {
      if (error instanceof UnwrapError) return undefined;
      throw error;
    }),
  );
  if (!secret) throw new ForbiddenError('That recovery key does not unlock this key', 'invalid_recovery_key');
  const wrapped = await wrapWithPassword(secret, password, publicKey);
  secret.fill(0);
  await replaceWrappedKey(user.userId, key.wrapped, wrapped, user.passwordChangedAt);
  await audit(meta, {
    tenantId: auth.tenant.id,
    event: 'secret_key_recovered',
    outcome: 'success',
    userId: user.userId,
  });
  return keyView(key);
}

/**
 * The private key, unwrapped with the password for a server-side open. A key wrapped before the last password reset
 * is locked (409); a wrong password is a login failure (S7) and answers like a tampered envelope (S49).
 */
export async function unlockPrivateKey(
  auth: AuthContext,
  key: SecretKey | undefined,
  password: string,
  meta: RequestMeta,
  cannotOpen: () => Error,
): Promise<Uint8Array> {
  if (!key) throw noKey();
  if (key.passwordStamp !== auth.user.passwordChangedAt) throw keyLocked();
  const privateKey = await underLoginBudget(auth.tenant, auth.user.email, meta.ip, () =>
    unwrapWithPassword(key.wrapped, password, fromBase64(key.publicKey)).catch((error) => {
      if (error instanceof UnwrapError) return undefined;
      throw error;
    }),
  );
  if (!privateKey) throw cannotOpen();
  return privateKey;
}
