// Users table: one item per account, keyed `{client_id}#{site_id}#{email}`; the same email in two tenants is two users.

import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clock } from '../clock';
import { tables } from '../config';
import { documentClient } from './client';
import { conditionally } from './conditions';
import { fitsKey, SORT_KEY_BYTES } from './keys';
import type { SessionKind } from './sessions';
import { type TenantId, tenantIdOf } from './tenants';
import type { CodePurpose, UserMfa } from './user-factors';

export type UserStatus = 'active' | 'disabled';

export type User = {
  userId: string;
  /** The user's site: `{client_id}#{site_id}`. */
  tenantId: TenantId;
  clientId: string;
  siteId: string;
  email: string;
  name: string;
  passwordHash: string;
  status: UserStatus;
  emailVerified: boolean;
  roles: string[];
  createdAt: string;
  updatedAt: string;
  lastLogin?: string;
  /** Epoch milliseconds of the last password change; reset tokens issued before it are dead (S16). */
  passwordChangedAt: number;
  mfa: UserMfa;
  /**
   * The user's live API and console sessions, newest first. A session not listed here is over, whatever its
   * own item says: ending every session is one write of this list (S16), and a new sign-in past the cap drops
   * the oldest. Undefined for accounts that have not signed in since the lists were introduced.
   */
  liveSessions?: string[];
  consoleSessions?: string[];
  /** Identities linked to the account (provider accounts and passkeys: src/core/db/identities.ts). */
  linkedCount: number;
  /** Of those, passkeys: a passkey can answer the second step where the site allows it. */
  passkeyCount: number;
};

/**
 * Changes whenever the password is changed or reset, the account is disabled, or a factor is added, replaced or
 * removed. Tokens of a sign-in in progress (MFA challenge, enrollment) carry it and die when it changes (S16).
 */
export function credentialStamp(user: User): string {
  const { totpSecret = '', smsPhone = '', email = false } = user.mfa;
  // Passkeys join only when there are some, so stamps of users without any are what they were before passkeys.
  const passkeys = user.passkeyCount ? [user.passkeyCount] : [];
  return createHash('sha256')
    .update([user.passwordChangedAt, user.status, totpSecret, smsPhone, email, ...passkeys].join('\n'))
    .digest('base64url')
    .slice(0, 22);
}

type UserItem = {
  user_id: string;
  /** `{client_id}#{site_id}`: the tenant-index lists a site's users in email order. */
  tenant_id: string;
  client_id: string;
  site_id: string;
  email: string;
  name: string;
  password_hash: string;
  status: UserStatus;
  email_verified: boolean;
  roles: string[];
  created_at: string;
  updated_at: string;
  last_login?: string;
  password_changed_at: number;
  mfa_totp_secret?: string;
  mfa_totp_pending?: string;
  mfa_totp_pending_tries?: number;
  mfa_totp_last_step?: number;
  mfa_sms_phone?: string;
  mfa_sms_pending?: string;
  mfa_email?: boolean;
  mfa_otp?: { purpose: CodePurpose; hash: string; expires_at: number; tries?: number };
  mfa_recovery?: Set<string>;
  live_sessions?: string[];
  console_sessions?: string[];
  linked_count?: number;
  passkey_count?: number;
};

const table = () => tables().users;
const userDoesNotExist = 'attribute_not_exists(user_id)';
/** For user-factors.ts, the table's other module: the one condition and the one update. */
export const userExists = 'attribute_exists(user_id)';

export const userIdOf = (clientId: string, siteId: string, email: string) => `${clientId}#${siteId}#${email}`;

/** A new, active account of a site; the caller hashes the password and creates it with createUser. */
export function newUser(
  site: { clientId: string; siteId: string },
  fields: { email: string; name?: string; passwordHash: string; roles?: string[]; emailVerified?: boolean },
): User {
  const now = new Date(clock.now()).toISOString();
  return {
    userId: userIdOf(site.clientId, site.siteId, fields.email),
    tenantId: tenantIdOf(site.clientId, site.siteId),
    clientId: site.clientId,
    siteId: site.siteId,
    email: fields.email,
    name: fields.name ?? '',
    passwordHash: fields.passwordHash,
    status: 'active',
    emailVerified: fields.emailVerified ?? false,
    roles: fields.roles ?? [],
    createdAt: now,
    updatedAt: now,
    passwordChangedAt: clock.now(),
    mfa: { recoveryHashes: [] },
    linkedCount: 0,
    passkeyCount: 0,
  };
}

export async function getUser(userId: string): Promise<User | undefined> {
  if (!fitsKey(userId)) return undefined;
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { user_id: userId } }),
  );
  return Item ? fromItem(Item as UserItem) : undefined;
}

/** Creates the user unless the id is taken; never overwrites an account. Returns false when it exists. */
export async function createUser(user: User): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new PutCommand({ TableName: table(), Item: userItem(user), ConditionExpression: userDoesNotExist }),
    ),
  );
}

/**
 * Replaces the password hash. With `changedAt` (a change or reset, not a re-hash) every session ends in the same
 * write; `expectedHash` makes a login-time re-hash lose to a concurrent change.
 */
export async function setPasswordHash(
  userId: string,
  passwordHash: string,
  { changedAt, expectedHash }: { changedAt?: number; expectedHash?: string } = {},
): Promise<boolean> {
  const values: Record<string, unknown> = {
    ':hash': passwordHash,
    ':now': new Date(clock.now()).toISOString(),
  };
  let update = 'SET password_hash = :hash, updated_at = :now';
  if (changedAt !== undefined) {
    // A new password (change or reset) ends every session in the same write (S16).
    const ended = endSessionsUpdate();
    update += `, password_changed_at = :changed, ${ended.set}`;
    Object.assign(values, { ':changed': changedAt, ...ended.values });
  }
  let condition = userExists;
  if (expectedHash !== undefined) {
    condition += ' AND password_hash = :expected';
    values[':expected'] = expectedHash;
  }
  return updateUser(userId, {
    update,
    condition,
    values,
  });
}

const SESSION_LIST: Record<SessionKind, 'live_sessions' | 'console_sessions'> = {
  user: 'live_sessions',
  admin: 'console_sessions',
};
const listOf = (user: User, kind: SessionKind) =>
  kind === 'admin' ? user.consoleSessions : user.liveSessions;

/**
 * Whether `sessionId` is still one of the user's `cap` newest sessions of its kind (see User.liveSessions). Entries
 * past the cap are over even before a trim removes them.
 */
export function holdsSession(user: User, kind: SessionKind, sessionId: string, cap: number): boolean {
  const list = listOf(user, kind);
  return list === undefined || list.slice(0, cap).includes(sessionId);
}

/**
 * A completed sign-in: `last_login`, and the new session at the head of the user's list. The append is atomic
 * (no read, no retry, so any number of sign-ins at once all land); entries past `cap` are over at once and
 * trimmed by a second, conditional write.
 */
export async function recordSignIn(user: User, kind: SessionKind, sessionId: string, cap: number) {
  const names = { '#list': SESSION_LIST[kind] };
  const out = await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: { user_id: user.userId },
      UpdateExpression: 'SET last_login = :at, #list = list_append(:new, if_not_exists(#list, :empty))',
      ConditionExpression: userExists,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: {
        ':at': new Date(clock.now()).toISOString(),
        ':new': [sessionId],
        ':empty': [],
      },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  const size = ((out.Attributes?.[SESSION_LIST[kind]] as string[] | undefined) ?? []).length;
  if (size <= cap) return;
  // Only ever prepended to or replaced whole, so positions from `cap` on hold sessions already over.
  const positions = Array.from({ length: Math.min(size - cap, 25) }, (_, i) => `#list[${cap + i}]`);
  await updateUser(user.userId, {
    update: `REMOVE ${positions.join(', ')}`,
    condition: 'size(#list) >= :size',
    names,
    values: { ':size': size },
  });
}

/**
 * The update that ends every session of a user in one write (S16), but `keep` (the session making a change).
 * Combined with the change itself, so no failure can leave the change made and the old sessions alive.
 */
export function endSessionsUpdate(keep?: { kind: SessionKind; sessionId: string }) {
  return {
    set: 'live_sessions = :keepUser, console_sessions = :keepAdmin',
    values: {
      ':keepUser': keep?.kind === 'user' ? [keep.sessionId] : [],
      ':keepAdmin': keep?.kind === 'admin' ? [keep.sessionId] : [],
    },
  };
}

/** Ends every session of the user (but `keep`); false when the user does not exist. */
export function endUserSessions(userId: string, keep?: { kind: SessionKind; sessionId: string }) {
  const ended = endSessionsUpdate(keep);
  return updateUser(userId, { update: `SET ${ended.set}`, values: ended.values });
}

/** A page of a site's users whose email starts with `prefix`, in email order. */
export async function listUsers(
  tenantId: string,
  { prefix = '', limit = 25, after }: { prefix?: string; limit?: number; after?: string } = {},
): Promise<{ users: User[]; next?: string }> {
  // A prefix or cursor longer than any email cannot match one (and would break the key condition).
  if (!fitsKey(prefix || 'x', SORT_KEY_BYTES) || (after !== undefined && !fitsKey(after, SORT_KEY_BYTES))) {
    return { users: [] };
  }
  const out = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'tenant-index',
      KeyConditionExpression: prefix ? 'tenant_id = :t AND begins_with(email, :p)' : 'tenant_id = :t',
      ExpressionAttributeValues: { ':t': tenantId, ...(prefix ? { ':p': prefix } : {}) },
      Limit: limit,
      ExclusiveStartKey: after
        ? {
            tenant_id: tenantId,
            email: after,
            user_id: `${tenantId}#${after}`,
          }
        : undefined,
    }),
  );
  const users = (out.Items ?? []).map((i) => fromItem(i as UserItem));
  return { users, next: out.LastEvaluatedKey?.email as string | undefined };
}

/** A site's accounts, and how many have a second factor (TOTP, SMS or email codes): the dashboard's MFA adoption. */
export async function countUsersAndMfa(tenantId: string): Promise<{ users: number; withMfa: number }> {
  let users = 0;
  let withMfa = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        IndexName: 'tenant-index',
        KeyConditionExpression: 'tenant_id = :t',
        ExpressionAttributeValues: { ':t': tenantId },
        ProjectionExpression: 'mfa_totp_secret, mfa_sms_phone, mfa_email',
        ExclusiveStartKey,
      }),
    );
    for (const item of out.Items ?? []) {
      users++;
      if (item.mfa_totp_secret || item.mfa_sms_phone || item.mfa_email === true) withMfa++;
    }
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return { users, withMfa };
}

/** Every account with this email, across tenants (the email-index GSI; eventually consistent). */
export async function findUsersByEmail(email: string): Promise<User[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'email-index',
      KeyConditionExpression: 'email = :email',
      ExpressionAttributeValues: { ':email': email },
      Limit: 100,
    }),
  );
  return Items.map((i) => fromItem(i as UserItem));
}

export async function setUserRoles(userId: string, roles: string[]): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET #roles = :roles, updated_at = :now',
    names: { '#roles': 'roles' },
    values: { ':roles': roles, ':now': new Date(clock.now()).toISOString() },
  });
}

/** Marks the email confirmed; false when the user no longer exists. */
export async function setEmailVerified(userId: string): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET email_verified = :true, updated_at = :now',
    values: { ':true': true, ':now': new Date(clock.now()).toISOString() },
  });
}

/** Enables or disables an account; disabling ends every session in the same write (S16). */
export async function setUserStatus(userId: string, status: UserStatus): Promise<boolean> {
  const ended = endSessionsUpdate();
  return updateUser(userId, {
    update: `SET #status = :status, updated_at = :now${status === 'disabled' ? `, ${ended.set}` : ''}`,
    names: { '#status': 'status' },
    values: {
      ':status': status,
      ':now': new Date(clock.now()).toISOString(),
      ...(status === 'disabled' ? ended.values : {}),
    },
  });
}

/** The stored form of a user (another table's transaction may create one). */
export function userItem(u: User): UserItem {
  return {
    user_id: u.userId,
    tenant_id: u.tenantId,
    client_id: u.clientId,
    site_id: u.siteId,
    email: u.email,
    name: u.name,
    password_hash: u.passwordHash,
    status: u.status,
    email_verified: u.emailVerified,
    roles: u.roles,
    created_at: u.createdAt,
    updated_at: u.updatedAt,
    last_login: u.lastLogin,
    password_changed_at: u.passwordChangedAt,
    mfa_totp_secret: u.mfa.totpSecret,
    mfa_totp_pending: u.mfa.totpPendingSecret,
    mfa_totp_pending_tries: u.mfa.totpPendingTries,
    mfa_totp_last_step: u.mfa.totpLastStep,
    mfa_sms_phone: u.mfa.smsPhone,
    mfa_sms_pending: u.mfa.smsPendingPhone,
    mfa_email: u.mfa.email,
    mfa_otp: u.mfa.otp && {
      purpose: u.mfa.otp.purpose,
      hash: u.mfa.otp.hash,
      expires_at: u.mfa.otp.expiresAt,
      tries: u.mfa.otp.tries,
    },
    // DynamoDB refuses empty sets: no codes, no attribute.
    mfa_recovery: u.mfa.recoveryHashes.length ? new Set(u.mfa.recoveryHashes) : undefined,
    live_sessions: u.liveSessions,
    console_sessions: u.consoleSessions,
  };
}

/** A stored item as a User (the access check reads users in a batch with other tables). */
export function userFromItem(i: UserItem | Record<string, unknown>): User {
  return fromItem(i as UserItem);
}

function fromItem(i: UserItem): User {
  return {
    userId: i.user_id,
    tenantId: tenantIdOf(i.client_id, i.site_id),
    clientId: i.client_id,
    siteId: i.site_id,
    email: i.email,
    name: i.name ?? '',
    passwordHash: i.password_hash,
    status: i.status ?? 'active',
    emailVerified: i.email_verified ?? false,
    roles: i.roles ?? [],
    createdAt: i.created_at,
    updatedAt: i.updated_at,
    lastLogin: i.last_login,
    passwordChangedAt: i.password_changed_at ?? 0,
    mfa: {
      totpSecret: i.mfa_totp_secret,
      totpPendingSecret: i.mfa_totp_pending,
      totpPendingTries: i.mfa_totp_pending_tries,
      totpLastStep: i.mfa_totp_last_step,
      smsPhone: i.mfa_sms_phone,
      smsPendingPhone: i.mfa_sms_pending,
      email: i.mfa_email,
      otp: i.mfa_otp && {
        purpose: i.mfa_otp.purpose,
        hash: i.mfa_otp.hash,
        expiresAt: i.mfa_otp.expires_at,
        tries: i.mfa_otp.tries,
      },
      recoveryHashes: [...(i.mfa_recovery ?? [])],
    },
    liveSessions: i.live_sessions,
    consoleSessions: i.console_sessions,
    linkedCount: i.linked_count ?? 0,
    passkeyCount: i.passkey_count ?? 0,
  };
}

/** One conditional update of a user item: false when its condition did not hold, errors propagate. */
export function updateUser(
  userId: string,
  {
    update,
    condition = userExists,
    names,
    values,
  }: { update: string; condition?: string; names?: Record<string, string>; values?: Record<string, unknown> },
): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { user_id: userId },
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}
