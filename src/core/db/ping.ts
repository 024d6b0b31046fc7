// Readiness probe for DynamoDB: one cheap keyed read on a table the app already may read.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';

/** Resolves true when DynamoDB answers within the timeout, false otherwise. */
export async function pingDatabase(timeoutMs = 1_500): Promise<boolean> {
  try {
    await documentClient.send(
      new GetCommand({ TableName: tables().tenants, Key: { tenant_id: '__ping__' } }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    return true;
  } catch {
    return false;
  }
}
