// Console page for the audit log: one site's events, newest first, filtered by user, event and date range.
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { queryAuditEvents } from '../core/db/audit-log';
import { AppError } from '../core/errors';
import { requireConsole } from './access';
import { renderConsole } from './render';
import { managedTenants } from './tenant-pages';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export const auditPages = new Hono<AppEnv>().get('/audit', requireConsole(), async (c) => {
  const tenants = await managedTenants(c);
  const selected = tenants.find((t) => t.id === c.req.query('tenant')) ?? tenants[0];
  const q = {
    user: (c.req.query('user') ?? '').trim(),
    event: (c.req.query('event') ?? '').trim(),
    from: DAY.test(c.req.query('from') ?? '') ? (c.req.query('from') as string) : '',
    to: DAY.test(c.req.query('to') ?? '') ? (c.req.query('to') as string) : '',
  };
  let pageError: string | undefined;
  const page = selected
    ? await queryAuditEvents(selected.id, {
        userId: q.user || undefined,
        event: q.event || undefined,
        from: q.from ? `${q.from}T00:00:00.000Z` : undefined,
        to: q.to ? `${q.to}T23:59:59.999Z` : undefined,
        limit: 50,
        after: c.req.query('after'),
      }).catch((error) => {
        // A mangled page link: say so on the page, with the filters kept.
        if (!(error instanceof AppError) || error.status >= 500) throw error;
        pageError = error.detail;
        return { events: [], next: undefined };
      })
    : { events: [] };
  const selectedId = selected?.id;
  const nextQuery =
    page.next && new URLSearchParams({ tenant: selectedId ?? '', ...q, after: page.next }).toString();
  return renderConsole(
    c,
    'audit.html.njk',
    {
      title: 'Audit log',
      admin: c.var.admin,
      nav: 'audit',
      tenants,
      selected: selectedId,
      q,
      events: page.events,
      next_query: nextQuery,
      page_error: pageError,
    },
    pageError ? 400 : 200,
  );
});
