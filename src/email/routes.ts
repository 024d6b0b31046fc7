// /email: a site's own services queue email through us, with an API key that has the email:send scope.
import * as z from 'zod';
import { defineRoute } from '../docs';
import { featureRouter } from '../middleware/feature';
import { jsonOnly } from '../middleware/json-body';
import { noStore } from '../middleware/no-store';
import { requestMeta } from '../middleware/request-meta';
import { requireTenant } from '../middleware/tenant';
import { parseBody } from '../middleware/validate';
import { queueTenantEmails, sendEmailBody } from './send-request';

const email = featureRouter('/email');
email.use(noStore(), jsonOnly());

defineRoute(
  email,
  {
    method: 'post',
    path: '/send',
    operationId: 'sendEmail',
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
      403: { description: 'The key lacks email:send' },
      429: { description: 'Hourly budget spent' },
    },
  },
  requireTenant({ scope: 'email:send' }),
  async (c) => {
    const body = await parseBody(c, sendEmailBody);
    return c.json(await queueTenantEmails(c.var.tenantKey.tenant, body, requestMeta(c)), 202);
  },
);

export default email;
