// SecretMessages table: sealed messages (m#<id>), their receipts (r#<receipt>) and the reaper's cursor. Every
// change to a message moves the owner's stored bytes (SecretKeys user#<id>) in the same transaction, so the quota
// holds under concurrency. A read that spends the last permitted read deletes the message in that same step (S38).
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { clock } from '../core/clock';
import { tables } from '../core/config';
import { documentClient } from '../core/db/client';
import { cancellationCodes, isConditionFailed } from '../core/db/conditions';
import { secretKeyPk } from '../core/db/secret-keys';

export type StoredMessage = {
  id: string;
  owner: string;
  tenantId: string;
  envelope: string;
  bytes: number;
  readsLeft: number;
  createdAt: string;
  /** Epoch seconds. */
  expiresAt: number;
  receipt: string;
};

export type MessageSummary = Pick<
  StoredMessage,
  'id' | 'createdAt' | 'expiresAt' | 'bytes' | 'readsLeft' | 'receipt'
>;
export type ReceiptStatus = {
  status: 'unread' | 'read' | 'expired';
  readAt?: string;
  tenantId: string;
  expiresAt: number;
};

export class QuotaExceededError extends Error {
  constructor() {
    super('storage quota exceeded');
    this.name = 'QuotaExceededError';
  }
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const table = () => tables().secretMessages;
const messagePk = (id: string) => `m#${id}`;
const receiptPk = (receipt: string) => `r#${receipt}`;
const CURSOR_PK = 'reaper#cursor';
/** The reaper finds expired messages by the hour they expire in. */
export const expiryBucket = (expiresAt: number) => String(Math.floor(expiresAt / 3600));
/** Receipts outlive their message by this long, so a sender can still ask. */
const RECEIPT_DAYS = 30;

const storageChange = (owner: string, bytes: number, count: number): TransactItem => ({
  Update: {
    TableName: tables().secretKeys,
    Key: { pk: secretKeyPk(owner) },
    UpdateExpression: 'ADD stored_bytes :bytes, message_count :count',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':bytes': bytes, ':count': count },
  },
});

/** Stores a sealed message and its receipt, if the owner's quota has room. */
export async function putMessage(message: StoredMessage, quotaBytes: number): Promise<void> {
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table(),
              Item: {
                pk: messagePk(message.id),
                id: message.id,
                owner: message.owner,
                tenant_id: message.tenantId,
                envelope: message.envelope,
                bytes: message.bytes,
                reads_left: message.readsLeft,
                created_at: message.createdAt,
                expires_at: message.expiresAt,
                expiry_bucket: expiryBucket(message.expiresAt),
                receipt: message.receipt,
                ttl: message.expiresAt + 3600,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Put: {
              TableName: table(),
              Item: {
                pk: receiptPk(message.receipt),
                status: 'unread',
                tenant_id: message.tenantId,
                expires_at: message.expiresAt,
                ttl: message.expiresAt + RECEIPT_DAYS * 86_400,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          {
            Update: {
              TableName: tables().secretKeys,
              Key: { pk: secretKeyPk(message.owner) },
              UpdateExpression: 'ADD stored_bytes :bytes, message_count :one',
              ConditionExpression:
                'attribute_exists(pk) AND (attribute_not_exists(stored_bytes) OR stored_bytes <= :room)',
              ExpressionAttributeValues: {
                ':bytes': message.bytes,
                ':one': 1,
                ':room': quotaBytes - message.bytes,
              },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (cancellationCodes(error)[2] === 'ConditionalCheckFailed') throw new QuotaExceededError();
    throw error;
  }
}

const fromItem = (item: Record<string, unknown>): StoredMessage => ({
  id: item.id as string,
  owner: item.owner as string,
  tenantId: item.tenant_id as string,
  envelope: item.envelope as string,
  bytes: item.bytes as number,
  readsLeft: item.reads_left as number,
  createdAt: item.created_at as string,
  expiresAt: item.expires_at as number,
  receipt: item.receipt as string,
});

export async function getMessage(id: string): Promise<StoredMessage | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: messagePk(id) }, ConsistentRead: true }),
  );
  return Item?.owner ? fromItem(Item) : undefined;
}

/** The owner's messages, newest first (metadata only; expired ones may still be listed until reaped). */
export async function listMessages(owner: string): Promise<MessageSummary[]> {
  const out: MessageSummary[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        IndexName: 'owner-index',
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
        ScanIndexForward: false,
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) {
      out.push({
        id: item.id,
        createdAt: item.created_at,
        expiresAt: item.expires_at,
        bytes: item.bytes,
        readsLeft: item.reads_left,
        receipt: item.receipt,
      });
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

const markReceiptRead = (receipt: string, readAt: string): TransactItem => ({
  Update: {
    TableName: table(),
    Key: { pk: receiptPk(receipt) },
    UpdateExpression: 'SET #status = :read, read_at = if_not_exists(read_at, :at)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':read': 'read', ':at': readAt },
  },
});

/**
 * Spends one read of a message the owner may still read: the last one deletes it, in the same transaction as the
 * receipt and the owner's storage (S38). Of concurrent readers, exactly as many as there are reads succeed; the
 * others get false. `seen` is what the caller read before opening the envelope.
 */
export async function spendRead(seen: StoredMessage, now: number, readAt: string): Promise<boolean> {
  let readsLeft = seen.readsLeft;
  for (let attempt = 0; attempt < 30; attempt++) {
    if (readsLeft < 1) return false;
    const valid = '#owner = :owner AND expires_at > :now AND reads_left = :seen';
    const values = { ':owner': seen.owner, ':now': now, ':seen': readsLeft };
    const change: TransactItem =
      readsLeft === 1
        ? {
            Delete: {
              TableName: table(),
              Key: { pk: messagePk(seen.id) },
              ConditionExpression: valid,
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: values,
            },
          }
        : {
            Update: {
              TableName: table(),
              Key: { pk: messagePk(seen.id) },
              UpdateExpression: 'SET reads_left = :next',
              ConditionExpression: valid,
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ...values, ':next': readsLeft - 1 },
            },
          };
    const items = [change, markReceiptRead(seen.receipt, readAt)];
    if (readsLeft === 1) items.push(storageChange(seen.owner, -seen.bytes, -1));
    try {
      await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (error) {
      const [code] = cancellationCodes(error);
      if (code === 'ConditionalCheckFailed') {
        // Someone else read it meanwhile (or it expired): look again and try with what is left.
        const current = await getMessage(seen.id);
        if (!current || current.owner !== seen.owner || current.expiresAt <= now) return false;
        readsLeft = current.readsLeft;
        continue;
      }
      if (!cancellationCodes(error).includes('TransactionConflict')) throw error;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
    }
  }
  return false;
}

/** Deletes a message its owner no longer wants (burn, or the console's "delete all"); false when it is gone. */
export async function deleteMessage(
  message: Pick<StoredMessage, 'id' | 'owner' | 'bytes' | 'receipt'>,
  receiptStatus: 'read' | 'expired',
  at: string,
  now?: number,
): Promise<boolean> {
  const condition = now === undefined ? '#owner = :owner' : '#owner = :owner AND expires_at > :now';
  const receipt: TransactItem =
    receiptStatus === 'read'
      ? markReceiptRead(message.receipt, at)
      : {
          Update: {
            TableName: table(),
            Key: { pk: receiptPk(message.receipt) },
            UpdateExpression: 'SET #status = :expired',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':expired': 'expired' },
          },
        };
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: table(),
              Key: { pk: messagePk(message.id) },
              ConditionExpression: condition,
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues:
                now === undefined ? { ':owner': message.owner } : { ':owner': message.owner, ':now': now },
            },
          },
          receipt,
          storageChange(message.owner, -message.bytes, -1),
        ],
      }),
    );
    return true;
  } catch (error) {
    if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') return false;
    throw error;
  }
}

export async function getReceipt(receipt: string): Promise<ReceiptStatus | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: receiptPk(receipt) }, ConsistentRead: true }),
  );
  if (!Item?.status) return undefined;
  return { status: Item.status, readAt: Item.read_at, tenantId: Item.tenant_id, expiresAt: Item.expires_at };
}

export type ExpiredMessage = Pick<
  StoredMessage,
  'id' | 'owner' | 'tenantId' | 'bytes' | 'receipt' | 'expiresAt'
>;

/** Expired messages in one expiry hour (from the sparse expiry index: no Scan). */
export async function expiredInBucket(bucket: string, now: number, limit: number): Promise<ExpiredMessage[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'expiry-index',
      KeyConditionExpression: 'expiry_bucket = :bucket AND expires_at <= :now',
      ExpressionAttributeValues: { ':bucket': bucket, ':now': now },
      Limit: limit,
    }),
  );
  return Items.map((item) => ({
    id: item.id,
    owner: item.owner,
    tenantId: item.tenant_id,
    bytes: item.bytes,
    receipt: item.receipt,
    expiresAt: item.expires_at,
  }));
}

/** Deletes an expired message and marks its receipt expired unless it was read; false when already gone. */
export async function reapMessage(message: ExpiredMessage, now: number): Promise<boolean> {
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: table(),
              Key: { pk: messagePk(message.id) },
              ConditionExpression: 'attribute_exists(pk) AND expires_at <= :now',
              ExpressionAttributeValues: { ':now': now },
            },
          },
          storageChange(message.owner, -message.bytes, -1),
        ],
      }),
    );
  } catch (error) {
    if (cancellationCodes(error)[0] === 'ConditionalCheckFailed') return false;
    throw error;
  }
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { pk: receiptPk(message.receipt) },
        UpdateExpression: 'SET #status = :expired',
        ConditionExpression: '#status = :unread',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':expired': 'expired', ':unread': 'unread' },
      }),
    );
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
  }
  return true;
}

/** The oldest expiry hour that may still hold messages (the reaper's cursor). */
export async function reaperCursor(): Promise<number | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: CURSOR_PK }, ConsistentRead: true }),
  );
  return Item?.bucket as number | undefined;
}

export async function setReaperCursor(bucket: number): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: table(), Item: { pk: CURSOR_PK, bucket } }));
}

/** Deletes every message the user holds (their receipts say expired); the number deleted. */
export async function deleteAllMessages(userId: string): Promise<number> {
  const at = new Date(clock.now()).toISOString();
  let deleted = 0;
  for (const message of await listMessages(userId)) {
    if (await deleteMessage({ ...message, owner: userId }, 'expired', at)) deleted++;
  }
  return deleted;
}
