// ApiKeys table: one item per key, addressed by HMAC-SHA256(pepper, key); the key itself is never stored.
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getConfig } from '../config';
import { documentClient } from './client';
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
};

const table = () => getConfig().tables.apiKeys;
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
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { key_hash: keyHash },
        UpdateExpression: 'SET #status = :revoked',
        ConditionExpression: keyExists,
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':revoked': 'revoked' },
      }),
    );
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
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
  };
}

function fromItem(item: ApiKeyItem): ApiKeyRecord {
  return {
    keyHash: item.key_hash,
    clientId: item.client_id,
    siteId: item.site_id,
    name: item.name,
    scopes: item.scopes ?? [],
    status: item.status,
    createdAt: item.created_at,
  };
}
