// Identities table: the ways a user signs in besides the password. A provider account (Google, GitHub: provider
// and subject) or a passkey (provider "passkey", subject = credential id) belongs to one user of one site. A link
// and the user's count of them change in one transaction, so "keep at least one way to sign in" holds under
// concurrent unlinks: the last way cannot be removed from a user without a password.
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clock } from '../clock';
import { tables } from '../config';
import { documentClient } from './client';
import { cancellationCodes, conditionally, isConditionFailed } from './conditions';
import { fitsKey } from './keys';
import { type User, userExists, userItem } from './users';

export type Provider = 'google' | 'github';
export type IdentityKind = Provider | 'passkey';

/** A passkey's public half, as @simplewebauthn stores it. */
export type PasskeyData = {
  publicKey: string;
  counter: number;
  transports: string[];
  deviceType: string;
  backedUp: boolean;
  name: string;
};

export type Identity = {
  tenantId: string;
  provider: IdentityKind;
  subject: string;
  userId: string;
  email?: string;
  linkedAt: string;
  lastUsedAt?: string;
  passkey?: PasskeyData;
};

type IdentityItem = {
  identity_id: string;
  tenant_id: string;
  provider: IdentityKind;
  subject: string;
  user_id: string;
  email?: string;
  linked_at: string;
  last_used_at?: string;
  passkey?: PasskeyData;
};

const table = () => tables().identities;
const identityId = (tenantId: string, provider: IdentityKind, subject: string) =>
  `${tenantId}|${provider}|${subject}`;

export async function getIdentity(
  tenantId: string,
  provider: IdentityKind,
  subject: string,
): Promise<Identity | undefined> {
  const key = identityId(tenantId, provider, subject);
  if (!fitsKey(key)) return undefined;
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { identity_id: key }, ConsistentRead: true }),
  );
  return Item ? fromItem(Item as IdentityItem) : undefined;
}

/** The user's identities (of one kind, when given), oldest first. */
export async function listIdentities(userId: string, provider?: IdentityKind): Promise<Identity[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'user-index',
      KeyConditionExpression: 'user_id = :u',
      ExpressionAttributeValues: { ':u': userId, ...(provider ? { ':p': provider } : {}) },
      ...(provider ? { FilterExpression: '#p = :p', ExpressionAttributeNames: { '#p': 'provider' } } : {}),
    }),
  );
  return Items.map((i) => fromItem(i as IdentityItem)).sort((a, b) => a.linkedAt.localeCompare(b.linkedAt));
}

/**
 * Links an identity to an existing, active user: 'linked', 'taken' when the identity already belongs to someone
 * (this user included), or 'no_user'.
 */
export async function linkIdentity(identity: Identity): Promise<'linked' | 'taken' | 'no_user'> {
  const key = identityId(identity.tenantId, identity.provider, identity.subject);
  if (!fitsKey(key)) return 'taken';
  const passkey = identity.provider === 'passkey';
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table(),
              Item: toItem(identity),
              ConditionExpression: 'attribute_not_exists(identity_id)',
            },
          },
          {
            Update: {
              TableName: tables().users,
              Key: { user_id: identity.userId },
              UpdateExpression: passkey
                ? 'ADD linked_count :one, passkey_count :one'
                : 'ADD linked_count :one',
              ConditionExpression: `${userExists} AND #status = :active`,
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':one': 1, ':active': 'active' },
            },
          },
        ],
      }),
    );
    return 'linked';
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    const [identityCode] = cancellationCodes(error);
    return identityCode === 'ConditionalCheckFailed' ? 'taken' : 'no_user';
  }
}

/**
 * Creates a user signing up through a provider together with that identity: 'created', 'user_exists' (an account
 * has the address: linking it is the user's decision, never this), or 'identity_taken' (a concurrent sign-up won).
 */
export async function createUserWithIdentity(
  user: User,
  identity: Identity,
): Promise<'created' | 'user_exists' | 'identity_taken'> {
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tables().users,
              Item: { ...userItem(user), linked_count: 1 },
              ConditionExpression: 'attribute_not_exists(user_id)',
            },
          },
          {
            Put: {
              TableName: table(),
              Item: toItem(identity),
              ConditionExpression: 'attribute_not_exists(identity_id)',
            },
          },
        ],
      }),
    );
    return 'created';
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    const [userCode] = cancellationCodes(error);
    return userCode === 'ConditionalCheckFailed' ? 'user_exists' : 'identity_taken';
  }
}

/**
 * Removes one of the user's identities: 'removed', 'not_found' (not theirs, or gone), or 'last_way' when it is
 * the only way left to sign in (no password, nothing else linked).
 */
export async function unlinkIdentity(
  userId: string,
  tenantId: string,
  provider: IdentityKind,
  subject: string,
): Promise<'removed' | 'not_found' | 'last_way'> {
  const key = identityId(tenantId, provider, subject);
  if (!fitsKey(key)) return 'not_found';
  const passkey = provider === 'passkey';
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: table(),
              Key: { identity_id: key },
              ConditionExpression: 'user_id = :u',
              ExpressionAttributeValues: { ':u': userId },
            },
          },
          {
            Update: {
              TableName: tables().users,
              Key: { user_id: userId },
              UpdateExpression: passkey
                ? 'ADD linked_count :minus, passkey_count :minus'
                : 'ADD linked_count :minus',
              // A password, or another linked way, must remain.
              ConditionExpression: `${userExists} AND ((attribute_exists(password_hash) AND password_hash <> :none) OR linked_count > :one)`,
              ExpressionAttributeValues: { ':minus': -1, ':one': 1, ':none': '' },
            },
          },
        ],
      }),
    );
    return 'removed';
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    const [identityCode] = cancellationCodes(error);
    return identityCode === 'ConditionalCheckFailed' ? 'not_found' : 'last_way';
  }
}

/** Notes a sign-in with the identity (shown to the user); best effort. */
export async function touchIdentity(
  tenantId: string,
  provider: IdentityKind,
  subject: string,
): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: { identity_id: identityId(tenantId, provider, subject) },
      UpdateExpression: 'SET last_used_at = :now',
      ConditionExpression: 'attribute_exists(identity_id)',
      ExpressionAttributeValues: { ':now': new Date(clock.now()).toISOString() },
    }),
  );
}

/**
 * Moves a passkey's signature counter forward from the value it was read at: false when another assertion moved
 * it first (a cloned authenticator racing the real one loses here too).
 */
export function advancePasskeyCounter(identity: Identity, counter: number): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { identity_id: identityId(identity.tenantId, 'passkey', identity.subject) },
        UpdateExpression: 'SET passkey.#counter = :next, last_used_at = :now',
        ConditionExpression: 'passkey.#counter = :seen',
        ExpressionAttributeNames: { '#counter': 'counter' },
        ExpressionAttributeValues: {
          ':next': counter,
          ':seen': identity.passkey?.counter ?? 0,
          ':now': new Date(clock.now()).toISOString(),
        },
      }),
    ),
  );
}

function toItem(i: Identity): IdentityItem {
  return {
    identity_id: identityId(i.tenantId, i.provider, i.subject),
    tenant_id: i.tenantId,
    provider: i.provider,
    subject: i.subject,
    user_id: i.userId,
    ...(i.email ? { email: i.email } : {}),
    linked_at: i.linkedAt,
    ...(i.passkey ? { passkey: i.passkey } : {}),
  };
}

function fromItem(i: IdentityItem): Identity {
  return {
    tenantId: i.tenant_id,
    provider: i.provider,
    subject: i.subject,
    userId: i.user_id,
    email: i.email,
    linkedAt: i.linked_at,
    lastUsedAt: i.last_used_at,
    passkey: i.passkey,
  };
}
