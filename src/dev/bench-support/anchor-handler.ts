// The anchor for `npm run bench`: Hono, jose and lib-dynamodb on the Lambda adapter, built like our handlers. Its
// /user/me does the least any such service must: verify one JWT and read one item.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { jwtVerify } from 'jose';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const key = new TextEncoder().encode(process.env.JWT_SECRET ?? '');

const app = new Hono()
  .get('/health', (c) => c.json({ status: 'ok' }))
  .get('/user/me', async (c) => {
    const token = c.req.header('authorization')?.replace(/^Bearer /, '') ?? '';
    const { payload } = await jwtVerify(token, key);
    const { Item } = await db.send(
      new GetCommand({ TableName: process.env.USERS_TABLE, Key: { user_id: payload.sub } }),
    );
    if (!Item) return c.json({ detail: 'Not found' }, 404);
    return c.json({ user_id: Item.user_id, email: Item.email });
  })
  // The same, reading what our access check reads (session, blacklist entry, user) in one BatchGetItem: it
  // separates the cost of that read on DynamoDB Local from the cost of our code.
  .get('/user/me-batch', async (c) => {
    const token = c.req.header('authorization')?.replace(/^Bearer /, '') ?? '';
    const { payload } = await jwtVerify(token, key);
    const env = process.env;
    const { Responses = {} } = await db.send(
      new BatchGetCommand({
        RequestItems: {
          [env.SESSIONS_TABLE as string]: { Keys: [{ session_id: payload.sid }], ConsistentRead: true },
          [env.BLACKLIST_TABLE as string]: { Keys: [{ token_jti: payload.jti }], ConsistentRead: true },
          [env.USERS_TABLE as string]: { Keys: [{ user_id: payload.sub }], ConsistentRead: true },
        },
      }),
    );
    const user = Responses[env.USERS_TABLE as string]?.[0];
    if (!user) return c.json({ detail: 'Not found' }, 404);
    return c.json({ user_id: user.user_id, email: user.email });
  });

export const handler = handle(app);
