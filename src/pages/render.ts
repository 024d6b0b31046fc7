// Renders the hosted pages (reset password, verify email) with the site's name and a page CSP allowing our CSS only.
import type { Context } from 'hono';
import type { Tenant } from '../core/db/tenants';
import { embeddedEnvironment } from '../core/templating';
import { productNameOf } from '../core/tenant-settings';
import { TEMPLATES } from './templates.generated';

const env = embeddedEnvironment(TEMPLATES);

export const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'";

const siteName = (tenant?: Tenant) => (tenant ? productNameOf(tenant) : 'Account');

export function renderPage(c: Context, template: string, context: Record<string, unknown>, status = 200) {
  c.header('Content-Security-Policy', PAGE_CSP);
  c.header('Cache-Control', 'no-store');
  // The token is in the URL; do not hand it to anything the page links to.
  c.header('Referrer-Policy', 'no-referrer');
  return c.html(env.render(template, context), status as 200);
}

export const messagePage = (
  c: Context,
  {
    title,
    message,
    tone = 'info',
    status = 200,
    tenant,
  }: {
    title: string;
    message: string;
    tone?: 'info' | 'success' | 'error';
    status?: number;
    tenant?: Tenant;
  },
) => renderPage(c, 'message.html.njk', { title, message, tone, product_name: siteName(tenant) }, status);
