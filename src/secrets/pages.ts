// The hosted secret-message pages. /s/{inbox} seals in the browser and posts only the envelope; /secrets signs in,
// fetches a sealed message, unwraps the key and opens it in the browser, then burns it. Their GETs change nothing
// (link previewers cannot burn a message), their scripts come from /assets under a CSP with no inline script, and
// their JSON posts are same-origin, CSRF-checked (a header matching the __Host-csrf cookie).
import type { Context } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { loginWithPassword, tokenBody } from '../auth';
import { getInbox } from '../core/db/secret-keys';
import { parseTenantId, type Tenant } from '../core/db/tenants';
import { NotFoundError } from '../core/errors';
import { embeddedEnvironment } from '../core/templating';
import { productNameOf } from '../core/tenant-settings';
import { tenantResolver } from '../core/tenants';
import { defineRoute } from '../docs';
import { assertCsrf, csrfToken } from '../middleware/csrf';
import type { FeatureRouter } from '../middleware/feature';
import { jsonOnly } from '../middleware/json-body';
import { requestMeta } from '../middleware/request-meta';
import { parseBody } from '../middleware/validate';
import { sendMessage } from './messages';
import { secretSettings, ttlBounds } from './settings';
import { TEMPLATES } from './templates.generated';

const env = embeddedEnvironment(TEMPLATES);

/** Our scripts and styles only; the scripts talk to this origin only. */
const SECRET_PAGE_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

function render(c: Context<AppEnv>, template: string, context: Record<string, unknown>, status = 200) {
  c.header('Content-Security-Policy', SECRET_PAGE_CSP);
  c.header('Cache-Control', 'no-store');
  c.header('Referrer-Policy', 'no-referrer');
  return c.html(env.render(template, context), status as 200);
}

const gone = (c: Context<AppEnv>) =>
  render(c, 'unavailable.html.njk', { title: 'Nothing here', product_name: 'Secret messages' }, 404);

/** The inbox's site, when both exist and the site has secret messages on. */
async function inboxSite(
  inbox: string,
): Promise<{ tenant: Tenant; inbox: NonNullable<Awaited<ReturnType<typeof getInbox>>> } | undefined> {
  if (!/^[\w-]{24}$/.test(inbox)) return undefined;
  const found = await getInbox(inbox);
  const tenant = found && (await tenantResolver().byId(found.tenantId));
  if (!found || !tenant || !secretSettings(tenant).secrets.enabled) return undefined;
  return { tenant, inbox: found };
}

async function siteOf(site: string | undefined): Promise<Tenant | undefined> {
  const id = site ? parseTenantId(site) : undefined;
  const tenant = id && (await tenantResolver().byId(id));
  return tenant && secretSettings(tenant).secrets.enabled ? tenant : undefined;
}

const TTL_CHOICES: [number, string][] = [
  [3600, '1 hour'],
  [86_400, '1 day'],
  [7 * 86_400, '7 days'],
  [30 * 86_400, '30 days'],
];

/** The expiry choices the site's bounds allow, its default among them. */
function ttlOptions(bounds: { min: number; max: number; default: number }) {
  const options = TTL_CHOICES.filter(([value]) => value >= bounds.min && value <= bounds.max).map(
    ([value, label]) => ({
      value,
      label,
      selected: value === bounds.default,
    }),
  );
  if (!options.some((o) => o.selected)) {
    options.push({ value: bounds.default, label: "the site's default", selected: true });
  }
  return options;
}

const pageSendBody = z.strictObject({
  envelope: z.string().min(1).max(200_000),
  ttl_seconds: z.number().int().positive().optional(),
  max_reads: z.number().int().min(1).max(10).optional(),
});
const signInBody = z.strictObject({
  site: z.string().min(3).max(600),
  email: z.string().min(3).max(254),
  password: z.string().min(1).max(1024),
});

export function definePages(router: FeatureRouter): void {
  defineRoute(
    router,
    {
      method: 'get',
      path: '/s/:inbox',
      operationId: 'secretSendPage',
      tag: 'secret-pages',
      summary: 'Hosted page: seal a message to this inbox in the browser',
      html: true,
      responses: { 200: { description: 'The page' }, 404: { description: 'No such inbox' } },
    },
    async (c) => {
      const found = await inboxSite(c.req.param('inbox') ?? '');
      if (!found) return gone(c);
      const bounds = ttlBounds(found.tenant);
      const s = secretSettings(found.tenant).secrets;
      return render(c, 'send.html.njk', {
        title: 'Send a secret message',
        product_name: productNameOf(found.tenant),
        inbox: found.inbox.inbox,
        public_key: found.inbox.publicKey,
        fingerprint: found.inbox.fingerprint,
        max_bytes: s.max_bytes,
        ttl_options: ttlOptions(bounds),
        csrf_token: csrfToken(c),
      });
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/s/:inbox/messages',
      operationId: 'secretSendPagePost',
      tag: 'secret-pages',
      summary: "The send page's post: an envelope sealed in the browser (same origin, CSRF header)",
      body: pageSendBody,
      responses: { 201: { description: 'Stored' }, 403: { description: 'CSRF check failed' } },
    },
    jsonOnly(),
    async (c) => {
      assertCsrf(c, c.req.header('x-csrf-token'));
      const found = await inboxSite(c.req.param('inbox') ?? '');
      if (!found) throw new NotFoundError('No such inbox', 'not_found');
      const body = await parseBody(c, pageSendBody);
      return c.json(await sendMessage(found.tenant, found.inbox.inbox, body, requestMeta(c)), 201);
    },
  );

  defineRoute(
    router,
    {
      method: 'get',
      path: '/secrets',
      operationId: 'secretInboxPage',
      tag: 'secret-pages',
      summary: 'Hosted page: sign in and read your messages in the browser (?site=<client_id>#<site_id>)',
      html: true,
      responses: { 200: { description: 'The page' }, 404: { description: 'No such site' } },
    },
    async (c) => {
      const tenant = await siteOf(c.req.query('site'));
      if (!tenant) return gone(c);
      return render(c, 'inbox.html.njk', {
        title: 'Your secret messages',
        product_name: productNameOf(tenant),
        site: tenant.id,
        csrf_token: csrfToken(c),
      });
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/secrets/sign-in',
      operationId: 'secretInboxPageSignIn',
      tag: 'secret-pages',
      summary:
        "The inbox page's sign-in (same origin, CSRF header): like /auth/login, without setting cookies",
      body: signInBody,
      responses: {
        200: { description: 'Signed in, or a second step ({mfa_required, mfa_token, methods})' },
        401: { description: 'Invalid email or password' },
        403: { description: 'CSRF check failed' },
      },
    },
    async (c) => {
      assertCsrf(c, c.req.header('x-csrf-token'));
      const body = await parseBody(c, signInBody);
      const tenant = await siteOf(body.site);
      if (!tenant) throw new NotFoundError('No such site', 'not_found');
      const { issued, mfa } = await loginWithPassword(tenant, body.email, body.password, requestMeta(c));
      return c.json(mfa ?? tokenBody(issued));
    },
  );
}
