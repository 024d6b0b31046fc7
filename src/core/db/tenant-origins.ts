// TenantOrigins table: which tenants allow a browser Origin. CORS preflights carry no API key, so they look here.
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';

const table = () => tables().tenantOrigins;

export async function tenantsAllowingOrigin(origin: string): Promise<string[]> {
  const { Items = [] } = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'origin = :o',
      ExpressionAttributeValues: { ':o': origin },
      Limit: 25,
    }),
  );
  return Items.map((i) => i.tenant_id as string);
}

/** Makes the index match a tenant's new origin list. */
export async function syncTenantOrigins(tenantId: string, previous: string[], next: string[]): Promise<void> {
  const removed = previous.filter((o) => !next.includes(o));
  const requests = [
    ...removed.map((origin) => ({ DeleteRequest: { Key: { origin, tenant_id: tenantId } } })),
    ...next.map((origin) => ({ PutRequest: { Item: { origin, tenant_id: tenantId } } })),
  ];
  for (let i = 0; i < requests.length; i += 25) {
    let pending: Record<string, unknown>[] | undefined = requests.slice(i, i + 25);
    // DynamoDB may hand back part of a batch under load; resend that part a few times.
    for (let attempt = 0; pending?.length && attempt < 5; attempt++) {
      const out = await documentClient.send(
        new BatchWriteCommand({ RequestItems: { [table()]: pending as never } }),
      );
      pending = out.UnprocessedItems?.[table()] as Record<string, unknown>[] | undefined;
    }
    if (pending?.length) throw new Error('could not write tenant origins after retries');
  }
}
