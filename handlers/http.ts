// Lambda entry for every HTTP route: the Function URL event goes straight to the Hono app.
import { createApp } from '../src/app';
import { createHttpHandler } from '../src/lambda/http-handler';

export const handler = createHttpHandler(createApp());
