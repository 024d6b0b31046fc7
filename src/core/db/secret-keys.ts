// SecretKeys table: each user's secret-message keypair (item user#<user id>) and the inbox that points at it
// (item inbox#<inbox>), written together so an inbox never names a missing key. The private key is stored only
// wrapped (core/key-wrap.ts). The user item also keeps the bytes and count of the user's stored messages, which the
// message store adjusts in the same transaction as each message it adds or removes (the storage quota).
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import type { PasswordWrapped, RecoveryWrapped } from '../key-wrap';
import { documentClient } from './client';
import { cancellationCodes, isConditionFailed } from './conditions';

export type SecretKey = {
  userId: string;
  tenantId: string;
  inbox: string;
  publicKey: string;
  fingerprint: string;
  wrapped: PasswordWrapped;
  recovery: RecoveryWrapped;
  /** The account's password_changed_at when `wrapped` was made: a later reset leaves the key locked. */
  passwordStamp: number;
  createdAt: string;
  storedBytes: number;
  messageCount: number;
};

export type Inbox = {
  inbox: string;
  userId: string;
  tenantId: string;
  publicKey: string;
  fingerprint: string;
};

export class SecretKeyExistsError extends Error {
  constructor() {
    super('this user already has a secret-message key');
    this.name = 'SecretKeyExistsError';
  }
}

const table = () => tables().secretKeys;
export const secretKeyPk = (userId: string) => `user#${userId}`;
const inboxPk = (inbox: string) => `inbox#${inbox}`;

export async function createSecretKey(key: Omit<SecretKey, 'storedBytes' | 'messageCount'>): Promise<void> {
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table(),
              Item: {
                pk: secretKeyPk(key.userId),
                user_id: key.userId,
                tenant_id: key.tenantId,
                inbox: key.inbox,
                public_key: key.publicKey,
                fingerprint: key.fingerprint,
                wrapped: key.wrapped,
                recovery: key.recovery,
                password_stamp: key.passwordStamp,
                created_at: key.createdAt,
                stored_bytes: 0,
                message_count: 0,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: table(),
              Item: {
                pk: inboxPk(key.inbox),
                inbox: key.inbox,
                user_id: key.userId,
                tenant_id: key.tenantId,
                public_key: key.publicKey,
                fingerprint: key.fingerprint,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') throw new SecretKeyExistsError();
    throw error;
  }
}

export async function getSecretKey(userId: string): Promise<SecretKey | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: secretKeyPk(userId) }, ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return {
    userId: Item.user_id,
    tenantId: Item.tenant_id,
    inbox: Item.inbox,
    publicKey: Item.public_key,
    fingerprint: Item.fingerprint,
    wrapped: Item.wrapped,
    recovery: Item.recovery,
    passwordStamp: Item.password_stamp,
    createdAt: Item.created_at,
    storedBytes: Item.stored_bytes ?? 0,
    messageCount: Item.message_count ?? 0,
  };
}

export async function getInbox(inbox: string): Promise<Inbox | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: inboxPk(inbox) }, ConsistentRead: true }),
  );
  if (!Item) return undefined;
  return {
    inbox: Item.inbox,
    userId: Item.user_id,
    tenantId: Item.tenant_id,
    publicKey: Item.public_key,
    fingerprint: Item.fingerprint,
  };
}

/**
 * A new keypair for the same user and inbox (the old one is given up): both items change together, and only if the
 * key is still the one the caller replaced (false when another replacement won).
 */
export async function replaceSecretKey(
  previous: SecretKey,
  next: Pick<SecretKey, 'publicKey' | 'fingerprint' | 'wrapped' | 'recovery' | 'passwordStamp' | 'createdAt'>,
): Promise<boolean> {
  const stillPrevious = 'public_key = :previous';
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table(),
              Key: { pk: secretKeyPk(previous.userId) },
              UpdateExpression:
                'SET public_key = :pk, fingerprint = :fp, #wrapped = :wrapped, recovery = :recovery, password_stamp = :stamp, created_at = :at',
              ConditionExpression: stillPrevious,
              ExpressionAttributeNames: { '#wrapped': 'wrapped' },
              ExpressionAttributeValues: {
                ':pk': next.publicKey,
                ':fp': next.fingerprint,
                ':wrapped': next.wrapped,
                ':recovery': next.recovery,
                ':stamp': next.passwordStamp,
                ':at': next.createdAt,
                ':previous': previous.publicKey,
              },
            },
          },
          {
            Update: {
              TableName: table(),
              Key: { pk: inboxPk(previous.inbox) },
              UpdateExpression: 'SET public_key = :pk, fingerprint = :fp',
              ConditionExpression: stillPrevious,
              ExpressionAttributeValues: {
                ':pk': next.publicKey,
                ':fp': next.fingerprint,
                ':previous': previous.publicKey,
              },
            },
          },
        ],
      }),
    );
    return true;
  } catch (error) {
    if (cancellationCodes(error).includes('ConditionalCheckFailed')) return false;
    throw error;
  }
}

/**
 * Replaces the password-wrapped copy (a password change, or a recovery), only if it is still the one the caller
 * unwrapped: of two racing re-wraps, one wins and the other is told so (false).
 */
export async function replaceWrappedKey(
  userId: string,
  previous: PasswordWrapped,
  next: PasswordWrapped,
  passwordStamp: number,
): Promise<boolean> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { pk: secretKeyPk(userId) },
        UpdateExpression: 'SET #wrapped = :next, password_stamp = :stamp',
        ConditionExpression: '#wrapped.salt = :previousSalt',
        ExpressionAttributeNames: { '#wrapped': 'wrapped' },
        ExpressionAttributeValues: { ':next': next, ':stamp': passwordStamp, ':previousSalt': previous.salt },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}
