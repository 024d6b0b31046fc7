// Lambda entry for every HTTP route: the Function URL event goes straight to the Hono app.
import { handle } from 'hono/aws-lambda';
import { createApp } from '../src/app';

export const handler = handle(createApp());
