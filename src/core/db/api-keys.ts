// ApiKeys table: one item per key, addressed by HMAC-SHA256(pepper, key); the key itself is never stored.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { LEGACY_KEY_SCOPES } from '../scopes';
import { documentClient } from './client';
import { conditionally } from './conditions';
import { bumpRevocationEpoch } from './revocations';
import { tenantIdOf } from './tenants';

export type ApiKeyStatus = 'active' | 'revoked';

export type ApiKeyRecord = {
  keyHash: string;
  clientId: string;
  siteId: string;
  name: string;
  scopes: string[];
  status: ApiKeyStatus;
  createdAt: string;
  /** Shown to operators to tell keys apart; never enough to use the key. */
  hint?: string;
  lastUsedAt?: string;
};

type ApiKeyItem = {
  key_hash: string;
  tenant_id: string;
  client_id: string;
  site_id: string;
  name: string;
  scopes: string[];
  status: ApiKeyStatus;
  created_at: string;
  hint?: string;
  last_used_at?: string;
};

const table = () => tables().apiKeys;
const keyExists = 'attribute_exists(key_hash)';

export async function getApiKeyByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { key_hash: keyHash } }),
  );
  return Item ? fromItem(Item as ApiKeyItem) : undefined;
}

/** Creates or replaces a key record. */
export async function putApiKey(record: ApiKeyRecord): Promise<void> {
  await documentClient.send(new PutCommand({ TableName: table(), Item: toItem(record) }));
}

/** Marks a key revoked; revoked keys stay for the audit trail. Returns false when there is no such key. */
export async function revokeApiKey(keyHash: string): Promise<boolean> {
  const revoked = await conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { key_hash: keyHash },
        UpdateExpression: 'SET #status = :revoked',
        ConditionExpression: keyExists,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':revoked': 'revoked' },
      }),
    ),
  );
  if (revoked) await bumpRevocationEpoch();
  return revoked;
}

/** A site's keys, newest first. */
export async function listApiKeys(tenantId: string): Promise<ApiKeyRecord[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      IndexName: 'tenant-index',
      KeyConditionExpression: 'tenant_id = :t',
      ExpressionAttributeValues: { ':t': tenantId },
      ScanIndexForward: false,
      Limit: 100,
    }),
  );
  return Items.map((i) => fromItem(i as ApiKeyItem));
}

/** Records use at most once per `everySeconds`, so a busy key costs no write per request. */
export async function markApiKeyUsed(keyHash: string, now: Date, everySeconds = 3600): Promise<void> {
  const stale = new Date(now.getTime() - everySeconds * 1000).toISOString();
  await conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { key_hash: keyHash },
        UpdateExpression: 'SET last_used_at = :now',
        ConditionExpression: `${keyExists} AND (attribute_not_exists(last_used_at) OR last_used_at < :stale)`,
        ExpressionAttributeValues: { ':now': now.toISOString(), ':stale': stale },
      }),
    ),
  );
}

function toItem(r: ApiKeyRecord): ApiKeyItem {
  return {
    key_hash: r.keyHash,
    tenant_id: tenantIdOf(r.clientId, r.siteId),
    client_id: r.clientId,
    site_id: r.siteId,
    name: r.name,
    scopes: r.scopes,
    status: r.status,
    created_at: r.createdAt,
    hint: r.hint,
    last_used_at: r.lastUsedAt,
  };
}

function fromItem(item: ApiKeyItem): ApiKeyRecord {
  return {
    keyHash: item.key_hash,
    clientId: item.client_id,
    siteId: item.site_id,
    name: item.name,
    scopes: item.scopes ?? LEGACY_KEY_SCOPES,
    status: item.status,
    createdAt: item.created_at,
    hint: item.hint,
    lastUsedAt: item.last_used_at,
  };
}
