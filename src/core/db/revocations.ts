// The revocation epoch: one counter item in the Tenants table, bumped whenever a key is revoked or a site is
// changed or disabled. Warm containers compare it every few seconds and drop their caches when it moved, so a
// revocation reaches every container within that bound, for the price of one small read per container per check.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';

// Not a tenant id (those are `client#site`), and without the `listing` attribute no listing shows it.
const EPOCH_KEY = { tenant_id: '~revocations' };
const table = () => tables().tenants;

export async function readRevocationEpoch(): Promise<number> {
  const { Item } = await documentClient.send(new GetCommand({ TableName: table(), Key: EPOCH_KEY }));
  return Number(Item?.epoch ?? 0);
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
