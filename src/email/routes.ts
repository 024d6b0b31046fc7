// POST /email/send: a site's own services queue email through us with an API key that has the email:send scope.
import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { validationErrorResponse } from '../auth/schemas';
import { documentRoute } from '../docs/registry';
import { jsonOnly } from '../middleware/json-body';
import { noStore } from '../middleware/no-store';
import { requestMeta } from '../middleware/request-meta';
import { requireTenant } from '../middleware/tenant';
import { parseBody } from '../middleware/validate';
import { queueTenantEmails, sendEmailBody } from './send-request';

export const emailRoutes = new Hono<AppEnv>();

documentRoute({
  method: 'post',
  path: '/email/send',
  tag: 'email',
  summary: 'Queue an email to up to 10 recipients (one message each)',
  description:
    'Either a template with its data, or your own subject, text and optional html. Needs the email:send scope.',
  security: ['apiKey'],
  body: sendEmailBody,
  responses: {
    202: {
      description: 'Queued',
      schema: z.object({ id: z.string(), messages: z.array(z.object({ to: z.string(), id: z.string() })) }),
    },
    401: { description: 'Invalid API key' },
    403: { description: 'The key lacks email:send' },
    422: { description: 'Invalid fields', schema: validationErrorResponse },
    429: { description: 'Hourly budget spent' },
  },
});
emailRoutes.post('/email/send', noStore(), jsonOnly(), requireTenant({ scope: 'email:send' }), async (c) => {
  const body = await parseBody(c, sendEmailBody);
  return c.json(await queueTenantEmails(c.var.tenantKey.tenant, body, requestMeta(c)), 202);
});
