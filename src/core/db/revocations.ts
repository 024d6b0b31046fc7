// The control item: one item in the Tenants table holding the revocation epoch (bumped whenever a key is revoked or
// a site is changed or disabled), the emergency lockdowns in force and the IP allowlists (the console's, sites'
// and keys'; a few thousand entries fit the item). Warm containers read it every few seconds
// and drop their caches when the epoch moved, so a revocation or a lockdown reaches every container within that
// bound (S48), for the price of one small read per container per check.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';

// Not a tenant id (those are `client#site`), and without the `listing` attribute no listing shows it.
export const EPOCH_KEY = { tenant_id: '~revocations' };
const table = () => tables().tenants;

/** `global`, or `tenant:<client_id>#<site_id>`. */
export type LockdownScope = 'global' | `tenant:${string}`;
export type Lockdown = { reason: string; by: string; at: string };

/** Whose allowlist: the console's, a site's API (`tenant:<id>`), or one API key's override (`key:<hash>`). */
export type AllowlistScope = 'console' | `tenant:${string}` | `key:${string}`;
export type AllowlistEntry = { id: string; cidr: string; note: string; by: string; at: string };

export type ControlState = {
  epoch: number;
  /** Entries per scope, oldest first; a scope with none is unrestricted. */
  allowlists: Partial<Record<AllowlistScope, AllowlistEntry[]>>;
  lockdowns: Partial<Record<LockdownScope, Lockdown>>;
  /** Epoch ms per scope: API sessions started before it are over (a lockdown that revoked sessions). */
  revokedBefore: Partial<Record<LockdownScope, number>>;
};

// One attribute per scope, so engaging one never rewrites another.
const LOCKDOWN = 'lockdown:';
const REVOKED = 'revoked_before:';
// One attribute per entry (`allow:<scope>|<id>`): adding or removing one never rewrites the others.
export const ALLOW = 'allow:';

export async function readControlState(): Promise<ControlState> {
  const { Item = {} } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: EPOCH_KEY, ConsistentRead: true }),
  );
  const state: ControlState = {
    epoch: Number(Item.epoch ?? 0),
    lockdowns: {},
    revokedBefore: {},
    allowlists: {},
  };
  for (const [name, value] of Object.entries(Item)) {
    if (name.startsWith(LOCKDOWN))
      state.lockdowns[name.slice(LOCKDOWN.length) as LockdownScope] = value as Lockdown;
    if (name.startsWith(REVOKED))
      state.revokedBefore[name.slice(REVOKED.length) as LockdownScope] = Number(value);
    if (name.startsWith(ALLOW)) {
      const scope = name.slice(ALLOW.length, name.lastIndexOf('|')) as AllowlistScope;
      state.allowlists[scope] = [...(state.allowlists[scope] ?? []), value as AllowlistEntry];
    }
  }
  for (const entries of Object.values(state.allowlists)) entries?.sort((a, b) => a.at.localeCompare(b.at));
  return state;
}

export async function bumpRevocationEpoch(): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: EPOCH_KEY,
      UpdateExpression: 'ADD epoch :one',
      ExpressionAttributeValues: { ':one': 1 },
    }),
  );
}

/**
 * Engages (`lockdown`) or lifts (undefined) the lockdown of a scope, optionally ending the scope's API sessions
 * started before now; the epoch moves in the same write, so every container drops its caches at its next check.
 */
export async function setLockdown(
  scope: LockdownScope,
  lockdown: Lockdown | undefined,
  revokeSessionsBefore?: number,
): Promise<void> {
  const names: Record<string, string> = { '#l': `${LOCKDOWN}${scope}` };
  const values: Record<string, unknown> = { ':one': 1 };
  const set: string[] = [];
  if (lockdown) {
    set.push('#l = :l');
    values[':l'] = lockdown;
  }
  if (revokeSessionsBefore !== undefined) {
    names['#r'] = `${REVOKED}${scope}`;
    set.push('#r = :r');
    values[':r'] = revokeSessionsBefore;
  }
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: EPOCH_KEY,
      UpdateExpression: `${set.length ? `SET ${set.join(', ')} ` : ''}${lockdown ? '' : 'REMOVE #l '}ADD epoch :one`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}
