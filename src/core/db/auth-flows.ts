// AuthFlows table: the short-lived state of a sign-in ceremony (an OAuth state, the one-time code that hands its
// result to the site, a pending account link, a passkey challenge). Keyed by the SHA-256 of the secret the browser
// or site holds (never the secret, S14); taken by a conditional delete, so each is spent once even under concurrency,
// and only by its own kind and site. DynamoDB's TTL deletes leftovers; the expiry is also checked here.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { clock } from '../clock';
import { tables } from '../config';
import { sha256Hex } from '../crypto';
import { documentClient } from './client';
import { isConditionFailed } from './conditions';

export type FlowKind = 'oauth_state' | 'oauth_code' | 'oauth_link' | 'passkey_challenge';

type FlowItem<T> = { flow_id: string; kind: FlowKind; tenant_id: string; data: T; ttl: number };

const table = () => tables().authFlows;

/** Stores a flow under the digest of `secret` for `ttlSeconds`. */
export async function putFlow<T extends Record<string, unknown>>(
  kind: FlowKind,
  secret: string,
  tenantId: string,
  data: T,
  ttlSeconds: number,
): Promise<void> {
  const item: FlowItem<T> = {
    flow_id: sha256Hex(secret),
    kind,
    tenant_id: tenantId,
    data,
    ttl: clock.seconds() + ttlSeconds,
  };
  await documentClient.send(new PutCommand({ TableName: table(), Item: item }));
}

/** Reads a live flow of `kind` and `tenantId` without spending it. */
export async function readFlow<T>(kind: FlowKind, secret: string, tenantId: string): Promise<T | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { flow_id: sha256Hex(secret) }, ConsistentRead: true }),
  );
  const item = Item as FlowItem<T> | undefined;
  return item && item.kind === kind && item.tenant_id === tenantId && item.ttl > clock.seconds()
    ? item.data
    : undefined;
}

/**
 * Spends a flow: its data when it exists, is of `kind`, belongs to `tenantId` (when given) and is unexpired;
 * otherwise undefined, and a flow of another kind or site stays where it is. One winner under concurrency.
 */
export async function takeFlow<T>(
  kind: FlowKind,
  secret: string,
  tenantId?: string,
): Promise<{ tenantId: string; data: T } | undefined> {
  try {
    const { Attributes } = await documentClient.send(
      new DeleteCommand({
        TableName: table(),
        Key: { flow_id: sha256Hex(secret) },
        ConditionExpression: `attribute_exists(flow_id) AND #kind = :kind AND #ttl > :now${tenantId ? ' AND tenant_id = :tenant' : ''}`,
        ExpressionAttributeNames: { '#ttl': 'ttl', '#kind': 'kind' },
        ExpressionAttributeValues: {
          ':kind': kind,
          ':now': clock.seconds(),
          ...(tenantId ? { ':tenant': tenantId } : {}),
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const item = Attributes as FlowItem<T> | undefined;
    return item ? { tenantId: item.tenant_id, data: item.data } : undefined;
  } catch (error) {
    if (isConditionFailed(error)) return undefined;
    throw error;
  }
}
