// BatchGetItem with strong consistency, asking again (briefly) for keys DynamoDB left unprocessed under throttling.
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './client';

type Item = Record<string, unknown>;

/** The items found for each table's keys (at most 100 keys in all); missing keys are simply absent. */
export async function batchGetConsistent(
  keysByTable: Record<string, Record<string, string>[]>,
): Promise<Record<string, Item[]>> {
  let request = Object.fromEntries(
    Object.entries(keysByTable)
      .filter(([, keys]) => keys.length > 0)
      .map(([table, Keys]) => [table, { Keys, ConsistentRead: true }]),
  );
  const found: Record<string, Item[]> = {};
  for (let attempt = 0; Object.keys(request).length > 0; attempt++) {
    if (attempt === 3) throw new Error('BatchGetItem: keys left unprocessed after 3 attempts');
    if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
    const out = await documentClient.send(new BatchGetCommand({ RequestItems: request }));
    for (const [table, items] of Object.entries(out.Responses ?? {})) {
      found[table] = [...(found[table] ?? []), ...(items as Item[])];
    }
    request = (out.UnprocessedKeys ?? {}) as typeof request;
  }
  return found;
}
