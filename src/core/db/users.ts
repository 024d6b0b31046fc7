// Users table: one item per account, keyed `{client_id}#{site_id}#{email}`; the same email in two tenants is two users.

import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clock } from '../clock';
import { getConfig } from '../config';
import { documentClient } from './client';
import { conditionally } from './conditions';
import { fitsKey, SORT_KEY_BYTES } from './keys';
import type { SessionKind } from './sessions';
import { type TenantId, tenantIdOf } from './tenants';

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
};

/** Second factors. Secrets are sealed (AES-GCM), recovery codes kept as SHA-256 digests only. */
export type UserMfa = {
  totpSecret?: string;
  totpPendingSecret?: string;
  /** Codes tried against the pending seed; enrollment allows a few (CODE_TRIES) before it must start again. */
  totpPendingTries?: number;
  /** The last TOTP time step accepted: a code is good once per step (S23). */
  totpLastStep?: number;
  /** The phone for SMS codes (E.164), sealed; and one waiting for its first code. */
  smsPhone?: string;
  smsPendingPhone?: string;
  /** Codes by email to the account's address. */
  email?: boolean;
  /** The one outstanding SMS/email code: a new one replaces it (S25), so a resend voids the last. */
  otp?: PendingCode;
  recoveryHashes: string[];
};

/** Why a one-time code was sent; a code is only good for its own purpose. */
export type CodePurpose = 'login_sms' | 'login_email' | 'enroll_sms' | 'enroll_email';
export type PendingCode = { purpose: CodePurpose; hash: string; expiresAt: number; tries?: number };

export const FACTORS = ['totp', 'sms', 'email'] as const;
export type Factor = (typeof FACTORS)[number];
/** Each factor's attribute: present means enrolled. */
const FACTOR_ATTRIBUTE: Record<Factor, string> = {
  totp: 'mfa_totp_secret',
  sms: 'mfa_sms_phone',
  email: 'mfa_email',
};
const noFactorLeft = Object.values(FACTOR_ATTRIBUTE)
  .map((a) => `attribute_not_exists(${a})`)
  .join(' AND ');
const anyFactor = Object.values(FACTOR_ATTRIBUTE)
  .map((a) => `attribute_exists(${a})`)
  .join(' OR ');

/**
 * Changes whenever the password is changed or reset, the account is disabled, or a factor is added, replaced or
 * removed. Tokens of a sign-in in progress (MFA challenge, enrollment) carry it and die when it changes (S16).
 */
export function credentialStamp(user: User): string {
  const { totpSecret = '', smsPhone = '', email = false } = user.mfa;
  return createHash('sha256')
    .update([user.passwordChangedAt, user.status, totpSecret, smsPhone, email].join('\n'))
    .digest('base64url')
    .slice(0, 22);
}

export const factorsOf = (user: User): Factor[] => [
  ...(user.mfa.totpSecret ? (['totp'] as const) : []),
  ...(user.mfa.smsPhone ? (['sms'] as const) : []),
  ...(user.mfa.email ? (['email'] as const) : []),
];

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
};

const table = () => getConfig().tables.users;
const userDoesNotExist = 'attribute_not_exists(user_id)';
const userExists = 'attribute_exists(user_id)';

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
      new PutCommand({ TableName: table(), Item: toItem(user), ConditionExpression: userDoesNotExist }),
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
function endSessionsUpdate(keep?: { kind: SessionKind; sessionId: string }) {
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

/** How many users a site has (a count query over the tenant-index). */
export async function countUsers(tenantId: string): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        IndexName: 'tenant-index',
        KeyConditionExpression: 'tenant_id = :t',
        ExpressionAttributeValues: { ':t': tenantId },
        Select: 'COUNT',
        ExclusiveStartKey,
      }),
    );
    count += out.Count ?? 0;
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return count;
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

/** Stores a TOTP seed waiting for its first code (setup); replaces any earlier pending one and its tries. */
export async function setPendingTotp(userId: string, sealedSecret: string): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET mfa_totp_pending = :s REMOVE mfa_totp_pending_tries',
    values: { ':s': sealedSecret },
  });
}

/**
 * Takes one try at an enrollment code before it is checked, so parallel guesses cannot exceed `max`: at the
 * pending TOTP seed, or at the outstanding SMS/email code of `purpose`. False once they are used up.
 */
export function takeCodeTry(
  userId: string,
  target: { totpPending: string } | { purpose: CodePurpose },
  max: number,
): Promise<boolean> {
  if ('totpPending' in target) {
    return updateUser(userId, {
      update: 'ADD mfa_totp_pending_tries :one',
      condition:
        'mfa_totp_pending = :s AND (attribute_not_exists(mfa_totp_pending_tries) OR mfa_totp_pending_tries < :max)',
      values: { ':one': 1, ':s': target.totpPending, ':max': max },
    });
  }
  return updateUser(userId, {
    update: 'ADD mfa_otp.tries :one',
    condition: 'mfa_otp.purpose = :purpose AND (attribute_not_exists(mfa_otp.tries) OR mfa_otp.tries < :max)',
    values: { ':one': 1, ':purpose': target.purpose, ':max': max },
  });
}

/** Makes the pending seed the active one, if it is still the one the code was checked against. */
export function activateTotp(
  userId: string,
  sealedSecret: string,
  step: number,
  recoveryHashes: string[] | undefined,
): Promise<boolean> {
  return activateFactor(userId, {
    set: 'mfa_totp_secret = :s, mfa_totp_last_step = :step',
    remove: 'mfa_totp_pending, mfa_totp_pending_tries',
    condition: 'mfa_totp_pending = :s',
    values: { ':s': sealedSecret, ':step': step },
    recoveryHashes,
  });
}

/** Stores a phone waiting for its first SMS code; replaces any earlier pending one. */
export function setPendingSms(userId: string, sealedPhone: string): Promise<boolean> {
  return updateUser(userId, { update: 'SET mfa_sms_pending = :p', values: { ':p': sealedPhone } });
}

/** Makes the pending phone the SMS factor, if it is still the one the code went to. */
export function activateSms(
  userId: string,
  sealedPhone: string,
  recoveryHashes: string[] | undefined,
): Promise<boolean> {
  return activateFactor(userId, {
    set: 'mfa_sms_phone = :p',
    remove: 'mfa_sms_pending',
    condition: 'mfa_sms_pending = :p',
    values: { ':p': sealedPhone },
    recoveryHashes,
  });
}

export function activateEmailFactor(userId: string, recoveryHashes: string[] | undefined): Promise<boolean> {
  return activateFactor(userId, {
    set: 'mfa_email = :true',
    condition: userExists,
    values: { ':true': true },
    recoveryHashes,
  });
}

/** One factor on; the first factor also brings the recovery codes (never replacing an existing set). */
function activateFactor(
  userId: string,
  f: {
    set: string;
    remove?: string;
    condition: string;
    values: Record<string, unknown>;
    recoveryHashes: string[] | undefined;
  },
): Promise<boolean> {
  const values = { ...f.values };
  let set = f.set;
  let condition = f.condition;
  if (f.recoveryHashes) {
    set += ', mfa_recovery = :codes';
    values[':codes'] = new Set(f.recoveryHashes);
    condition += ' AND attribute_not_exists(mfa_recovery)';
  }
  return updateUser(userId, {
    update: `SET ${set}${f.remove ? ` REMOVE ${f.remove}` : ''}`,
    condition,
    values,
  });
}

/** Replaces the outstanding one-time code (S25: a resend voids the previous one). */
export function storeCode(userId: string, code: PendingCode): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET mfa_otp = :otp',
    values: { ':otp': { purpose: code.purpose, hash: code.hash, expires_at: code.expiresAt } },
  });
}

/** Spends the outstanding code if it is this one, for this purpose and unexpired: once, even under races. */
export function consumeCode(
  userId: string,
  purpose: CodePurpose,
  hash: string,
  now: number,
): Promise<boolean> {
  return updateUser(userId, {
    update: 'REMOVE mfa_otp',
    condition: 'mfa_otp.purpose = :purpose AND mfa_otp.#hash = :hash AND mfa_otp.expires_at > :now',
    names: { '#hash': 'hash' },
    values: { ':purpose': purpose, ':hash': hash, ':now': now },
  });
}

/** Accepts a TOTP time step once: of concurrent uses of one code, one wins (S23). */
export async function consumeTotpStep(userId: string, step: number): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET mfa_totp_last_step = :step',
    condition:
      'attribute_exists(mfa_totp_secret) AND (attribute_not_exists(mfa_totp_last_step) OR mfa_totp_last_step < :step)',
    values: { ':step': step },
  });
}

/** Spends one recovery code (by digest) atomically; false when it is not (or no longer) there (S26). */
export async function consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
  return updateUser(userId, {
    update: 'DELETE mfa_recovery :code',
    condition: 'contains(mfa_recovery, :hash)',
    values: { ':code': new Set([codeHash]), ':hash': codeHash },
  });
}

const FACTOR_REMOVALS: Record<Factor, string> = {
  totp: 'mfa_totp_secret, mfa_totp_pending, mfa_totp_pending_tries, mfa_totp_last_step',
  sms: 'mfa_sms_phone, mfa_sms_pending',
  email: 'mfa_email',
};

/**
 * Turns one factor off and ends every other session in the same write (S16); when no factor is left the
 * recovery codes (which only make sense with one) go too.
 */
export async function removeFactor(
  userId: string,
  factor: Factor,
  keep?: { kind: SessionKind; sessionId: string },
): Promise<boolean> {
  const ended = endSessionsUpdate(keep);
  const removed = await updateUser(userId, {
    update: `SET ${ended.set} REMOVE ${FACTOR_REMOVALS[factor]}, mfa_otp`,
    condition: `attribute_exists(${FACTOR_ATTRIBUTE[factor]})`,
    values: ended.values,
  });
  if (removed) await updateUser(userId, { update: 'REMOVE mfa_recovery', condition: noFactorLeft });
  return removed;
}

/** Every factor and code off, and every session ended, at once: the console's "reset two-factor". */
export function removeAllFactors(userId: string): Promise<boolean> {
  const ended = endSessionsUpdate();
  return updateUser(userId, {
    update: `SET ${ended.set} REMOVE ${Object.values(FACTOR_REMOVALS).join(', ')}, mfa_otp, mfa_recovery`,
    values: ended.values,
  });
}

/** Replaces the whole set of recovery codes: the old ones stop working at once (S26). */
export async function replaceRecoveryCodes(userId: string, hashes: string[]): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET mfa_recovery = :codes',
    condition: anyFactor,
    values: { ':codes': new Set(hashes) },
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

function toItem(u: User): UserItem {
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
  };
}

/** One conditional update of a user item: false when its condition did not hold, errors propagate. */
function updateUser(
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
