// PasswordResetTokens table: one-time emailed tokens (password reset, email verification), keyed by the
// SHA-256 of the token (never the token), single use (S19), each usable only for its own purpose (S12).
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';
import { isConditionFailed } from './conditions';

export type TokenPurpose = 'password_reset' | 'email_verification' | 'magic_link';

export type ResetToken = {
  tokenHash: string;
  purpose: TokenPurpose;
  userId: string;
  tenantId: string;
  /** Epoch seconds. */
  createdAt: number;
  expiresAt: number;
  used: boolean;
  /** A magic link's: the only page of the site its token is handed to. */
  redirectUri?: string;
};

type ResetItem = {
  reset_token: string;
  purpose?: TokenPurpose;
  user_id: string;
  tenant_id: string;
  created_at: number;
  ttl: number;
  used: boolean;
  redirect_uri?: string;
};

const table = () => tables().passwordResets;

export async function putResetToken(t: ResetToken): Promise<void> {
  const item: ResetItem = {
    reset_token: t.tokenHash,
    purpose: t.purpose,
    user_id: t.userId,
    tenant_id: t.tenantId,
    created_at: t.createdAt,
    ttl: t.expiresAt,
    used: t.used,
    ...(t.redirectUri ? { redirect_uri: t.redirectUri } : {}),
  };
  await documentClient.send(new PutCommand({ TableName: table(), Item: item }));
}

/** A token still worth looking at: present, of this purpose, unused and unexpired (TTL deletion is late). */
export async function getLiveResetToken(
  tokenHash: string,
  now: number,
  purpose: TokenPurpose = 'password_reset',
): Promise<ResetToken | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { reset_token: tokenHash }, ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const token = fromItem(Item as ResetItem);
  return !token.used && token.expiresAt > now && token.purpose === purpose ? token : undefined;
}

/** Marks the token used if it still is unused and unexpired; of concurrent redemptions exactly one wins. */
export async function consumeResetToken(
  tokenHash: string,
  now: number,
  purpose: TokenPurpose = 'password_reset',
): Promise<boolean> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { reset_token: tokenHash },
        UpdateExpression: 'SET used = :true, used_at = :now',
        ConditionExpression:
          'attribute_exists(reset_token) AND used = :false AND #ttl > :now AND purpose = :purpose',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':true': true, ':false': false, ':now': now, ':purpose': purpose },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

function fromItem(i: ResetItem): ResetToken {
  return {
    tokenHash: i.reset_token,
    purpose: i.purpose ?? 'password_reset',
    userId: i.user_id,
    tenantId: i.tenant_id,
    createdAt: i.created_at,
    expiresAt: i.ttl,
    used: i.used,
    redirectUri: i.redirect_uri,
  };
}
