// /dev/mail: every email local SES (moto) accepted, newest first, links clickable. Mounted only by the dev server.

import { Hono } from 'hono';
import { html, raw } from 'hono/html';
import { NotFoundError } from '../core/errors';

type SentEmail = {
  id: string;
  source: string;
  subject: string;
  body: string;
  destinations: { ToAddresses?: string[] };
};

async function sentEmails(): Promise<SentEmail[]> {
  const res = await fetch(`${process.env.AWS_ENDPOINT_URL_SES}/moto-api/data.json`);
  const data = (await res.json()) as { ses?: { Message?: SentEmail[] } };
  return [...(data.ses?.Message ?? [])].reverse();
}

const linksIn = (body: string) =>
  [...body.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&'));

const page = (title: string, content: unknown) => html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:2rem;color:#1f2933}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e4e7eb;padding:.5rem;text-align:left;vertical-align:top}a{color:#2563eb;word-break:break-all}</style>
</head><body>${content}</body></html>`;

// Inline styles only on these dev pages; the emails themselves are shown under a no-script CSP.
const DEV_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; base-uri 'none'; frame-ancestors 'none'";

export const devMailRoutes = new Hono()
  .get('/dev/mail', async (c) => {
    const emails = await sentEmails();
    c.header('Content-Security-Policy', DEV_CSP);
    c.header('Cache-Control', 'no-store');
    return c.html(
      page(
        'Local mail',
        html`<h1>Local mail (${emails.length})</h1>
<p>Everything sent through local SES (moto), newest first. Refresh to see new mail.</p>
<table><thead><tr><th>To</th><th>From</th><th>Subject</th><th>Links</th></tr></thead><tbody>
${emails.map(
  (m) => html`<tr><td>${(m.destinations.ToAddresses ?? []).join(', ')}</td><td>${m.source}</td>
<td><a href="/dev/mail/${m.id}">${m.subject}</a></td>
<td>${linksIn(m.body).map((l) => html`<a href="${l}">${l}</a><br>`)}</td></tr>`,
)}
</tbody></table>`,
      ),
    );
  })
  .get('/dev/mail/:id', async (c) => {
    const email = (await sentEmails()).find((m) => m.id === c.req.param('id'));
    if (!email) throw new NotFoundError('No such email');
    c.header('Content-Security-Policy', DEV_CSP);
    return c.html(raw(email.body));
  });
