// Registers and signs in users through the real API, for tests that need a signed-in caller.
import { randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/app-env';
import { dynamodbSdk } from '../../src/dev/aws';
import { client, withKey } from './http';

export const GOOD_PASSWORD = 'correct horse battery staple';

export const uniqueEmail = (label = 'user') => `${label}-${randomUUID().slice(0, 8)}@example.com`;

export async function registerAndLogin(
  app: Hono<AppEnv>,
  apiKey: string,
  email = uniqueEmail(),
  password = GOOD_PASSWORD,
) {
  const api = client(app);
  const registered = await api.post(
    '/auth/register',
    { email, password, name: 'Test User' },
    withKey(apiKey),
  );
  if (registered.status !== 201) throw new Error(`register failed: ${registered.status} ${registered.text}`);
  const login = await api.post('/auth/login', { email, password }, withKey(apiKey));
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${login.text}`);
  return {
    email,
    password,
    token: login.body.token as string,
    refreshToken: login.body.refresh_token as string,
    login,
  };
}

/** A user's item exactly as DynamoDB stores it (attribute values), to check what is at rest. */
export async function storedUserItem(userId: string) {
  const sdk = dynamodbSdk();
  const ddb = new sdk.DynamoDBClient({});
  try {
    const { Item } = await ddb.send(
      new sdk.GetItemCommand({ TableName: process.env.USERS_TABLE, Key: { user_id: { S: userId } } }),
    );
    return Item;
  } finally {
    ddb.destroy();
  }
}
