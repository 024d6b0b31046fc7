// What the console keeps on an admin's account beyond the user record: the addresses they signed in from (a sign-in
// from any other is a security event) and their alert preferences (which alerts reach them, and how). Attributes of
// the Users item, read and written on their own so the sign-in path never loads them.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../config';
import { documentClient } from './client';

// Enough for home, office, phone and a couple of trips; older ones count as new again.
const KNOWN_ADDRESSES = 10;

const table = () => tables().users;

async function read<T>(userId: string, attribute: string): Promise<T | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({
      TableName: table(),
      Key: { user_id: userId },
      ProjectionExpression: '#a',
      ExpressionAttributeNames: { '#a': attribute },
      ConsistentRead: true,
    }),
  );
  return Item?.[attribute] as T | undefined;
}

async function write(userId: string, attribute: string, value: unknown): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: { user_id: userId },
      UpdateExpression: 'SET #a = :v',
      ConditionExpression: 'attribute_exists(user_id)',
      ExpressionAttributeNames: { '#a': attribute },
      ExpressionAttributeValues: { ':v': value },
    }),
  );
}

/**
 * Records a console sign-in's address; whether it is one this admin has not signed in from lately (`first` when
 * they never signed in before, which is not news).
 */
export async function rememberConsoleAddress(
  userId: string,
  ip: string,
): Promise<{ isNew: boolean; first: boolean }> {
  const known = (await read<string[]>(userId, 'console_ips')) ?? [];
  const addresses = [ip, ...known.filter((k) => k !== ip)].slice(0, KNOWN_ADDRESSES);
  await write(userId, 'console_ips', addresses);
  return { isNew: !known.includes(ip), first: known.length === 0 };
}

export type AlertPreferences = {
  /** The rules whose alerts reach this admin. */
  rules: string[];
  /** Alerts below this severity do not. */
  minSeverity: string;
  email: boolean;
  /** A phone number (E.164) for texts, where SMS is set up. */
  smsTo?: string;
  webhookUrl?: string;
  /** The webhook's signing secret, sealed (shown once when made). */
  webhookSecretSealed?: string;
};

type StoredPreferences = {
  rules?: string[];
  min_severity?: string;
  email?: boolean;
  sms_to?: string;
  webhook_url?: string;
  webhook_secret_sealed?: string;
};

/** The admin's preferences as stored, or undefined when they never saved any. */
export async function getAlertPreferences(userId: string): Promise<AlertPreferences | undefined> {
  const stored = await read<StoredPreferences>(userId, 'alert_prefs');
  if (!stored) return undefined;
  return {
    rules: stored.rules ?? [],
    minSeverity: stored.min_severity ?? 'medium',
    email: stored.email ?? true,
    smsTo: stored.sms_to,
    webhookUrl: stored.webhook_url,
    webhookSecretSealed: stored.webhook_secret_sealed,
  };
}

export async function setAlertPreferences(userId: string, p: AlertPreferences): Promise<void> {
  const stored: StoredPreferences = {
    rules: p.rules,
    min_severity: p.minSeverity,
    email: p.email,
    sms_to: p.smsTo,
    webhook_url: p.webhookUrl,
    webhook_secret_sealed: p.webhookSecretSealed,
  };
  await write(userId, 'alert_prefs', stored);
}
