// The baseline for `npm run bench`: the smallest Hono app on the Lambda adapter, built like our handlers.
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

export const handler = handle(new Hono().get('/health', (c) => c.json({ status: 'ok' })));
