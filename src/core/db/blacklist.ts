// TokenBlacklist table: access-token ids revoked before their expiry (logout, S15); TTL drops them after.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { clock } from '../clock';
import { tables } from '../config';
import { documentClient } from './client';
import { conditionally } from './conditions';

const table = () => tables().blacklist;

export async function blacklistToken(jti: string, expiresAt: number): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: table(),
      Item: { token_jti: jti, ttl: expiresAt, blacklisted_at: new Date(clock.now()).toISOString() },
    }),
  );
}

/**
 * Spends a single-use token (an MFA challenge or enrollment token) before what it buys is handed out: true for
 * exactly one of any number of concurrent callers.
 */
export function spendToken(jti: string, expiresAt: number): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new PutCommand({
        TableName: table(),
        Item: { token_jti: jti, ttl: expiresAt, blacklisted_at: new Date(clock.now()).toISOString() },
        ConditionExpression: 'attribute_not_exists(token_jti)',
      }),
    ),
  );
}

/** Errors propagate: a blacklist we cannot read must deny the request (S34). */
export async function isTokenBlacklisted(jti: string): Promise<boolean> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { token_jti: jti }, ConsistentRead: true }),
  );
  return Item !== undefined;
}
