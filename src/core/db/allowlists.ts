// Writing IP allowlist entries into the control item (core/db/revocations.ts reads them with the rest of it): the
// console and the break-glass CLI write; the request path only reads.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';
import { conditionally } from './conditions';
import { ALLOW, type AllowlistEntry, type AllowlistScope, EPOCH_KEY } from './revocations';

const table = () => tables().tenants;

/** Adds one entry to a scope's allowlist. */
export async function putAllowlistEntry(scope: AllowlistScope, entry: AllowlistEntry): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: EPOCH_KEY,
      UpdateExpression: 'SET #e = :e',
      ExpressionAttributeNames: { '#e': `${ALLOW}${scope}|${entry.id}` },
      ExpressionAttributeValues: { ':e': entry },
    }),
  );
}

/** Removes entries of a scope; true when every one was there to remove. */
export async function removeAllowlistEntries(scope: AllowlistScope, ids: string[]): Promise<boolean> {
  if (ids.length === 0) return true;
  const names = Object.fromEntries(ids.map((id, i) => [`#e${i}`, `${ALLOW}${scope}|${id}`]));
  return conditionally(() =>
    documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: EPOCH_KEY,
        UpdateExpression: `REMOVE ${Object.keys(names).join(', ')}`,
        ConditionExpression: Object.keys(names)
          .map((n) => `attribute_exists(${n})`)
          .join(' AND '),
        ExpressionAttributeNames: names,
      }),
    ),
  );
}
