// Console pages over the functions' logs: Logs (filters, paging) and Errors (recent 5xx and unhandled errors).
// Platform admins see every line; a tenant admin sees only lines that name their own site.
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { errorReportingConfig } from '../core/error-reporting';
import { AppError } from '../core/errors';
import { isPlatformAdmin } from '../core/roles';
import { LEVELS, type Level, type LogPage, type LogQuery, logsConfig, queryLogs } from '../logs';
import { requireConsole } from './access';
import { renderConsole } from './render';
import { managedTenants } from './tenant-pages';

const MINUTE = 60_000;
/** The preset ranges; anything longer is a custom range, asked for explicitly (at most a week). */
export const RANGES: Record<string, number> = { '15m': 15 * MINUTE, '1h': 60 * MINUTE, '24h': 1440 * MINUTE };
const MAX_CUSTOM_MS = 7 * 1440 * MINUTE;
/** How wide a window a link to one moment opens (a request id from the audit log or an error answer). */
const AROUND_MS = 15 * MINUTE;

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;
const TENANT_ID = /^[\w.-]{1,100}#[\w.-]{1,100}$/;
// Quotes and backslashes would end CloudWatch's quoted term early.
const TEXT = /^[^"\\\p{Cc}]{1,100}$/u;
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;

type Form = Record<
  'function' | 'level' | 'tenant' | 'request_id' | 'q' | 'range' | 'from' | 'to' | 'at',
  string
>;

/** The filters from the query string, checked; a problem is a message for the re-rendered form. */
function readFilters(
  c: Context<AppEnv>,
  now: number,
): { form: Form; query?: Omit<LogQuery, 'onlyTenant'>; problem?: string } {
  const get = (name: string) => (c.req.query(name) ?? '').trim();
  const form: Form = {
    function: get('function'),
    level: get('level'),
    tenant: get('tenant'),
    request_id: get('request_id'),
    q: get('q'),
    range: get('range') || '1h',
    from: get('from'),
    to: get('to'),
    at: get('at'),
  };
  const { groups } = logsConfig();
  if (form.function && !groups.has(form.function))
    return { form, problem: 'Choose a function from the list.' };
  if (form.level && !LEVELS.includes(form.level as Level))
    return { form, problem: 'Choose a level from the list.' };
  if (form.tenant && !TENANT_ID.test(form.tenant)) return { form, problem: 'A site is client#site.' };
  if (form.request_id && !REQUEST_ID.test(form.request_id))
    return { form, problem: 'A request id is 8-64 letters, digits, dots, dashes or underscores.' };
  if (form.q && !TEXT.test(form.q))
    return { form, problem: 'Search text is up to 100 characters, without quotes or backslashes.' };

  let from = now - (RANGES[form.range] ?? 0);
  let to = now;
  if (form.at) {
    const at = Date.parse(form.at);
    if (!Number.isFinite(at)) return { form, problem: 'That link names no valid time.' };
    [from, to] = [at - AROUND_MS, at + AROUND_MS];
    form.range = 'custom';
    form.from = new Date(from).toISOString().slice(0, 16);
    form.to = new Date(to).toISOString().slice(0, 16);
  } else if (form.range === 'custom') {
    if (!LOCAL_TIME.test(form.from) || !LOCAL_TIME.test(form.to))
      return { form, problem: 'A custom range needs a start and an end (UTC).' };
    [from, to] = [Date.parse(`${form.from}Z`), Date.parse(`${form.to}Z`)];
    if (!(from < to)) return { form, problem: 'The range must start before it ends.' };
    if (to - from > MAX_CUSTOM_MS) return { form, problem: 'A custom range is at most 7 days.' };
  } else if (!RANGES[form.range]) {
    return { form, problem: 'Choose a time range from the list.' };
  }
  return {
    form,
    query: {
      functions: form.function ? [form.function] : [],
      level: (form.level || undefined) as Level | undefined,
      tenant: form.tenant || undefined,
      requestId: form.request_id || undefined,
      text: form.q || undefined,
      from,
      to,
      cursor: c.req.query('cursor') || undefined,
    },
  };
}

/** Runs the query as the admin may see it: a tenant admin's is pinned to their own site. */
async function pageFor(c: Context<AppEnv>, query: LogQuery): Promise<{ page: LogPage; problem?: string }> {
  const admin = c.var.admin;
  const scoped = isPlatformAdmin(admin) ? query : { ...query, onlyTenant: admin.tenantId };
  try {
    return { page: await queryLogs(scoped) };
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    return { page: { lines: [], functions: [] }, problem: error.detail };
  }
}

const view = (page: LogPage) =>
  page.lines.map((line) => ({
    ...line,
    time: new Date(line.timestamp).toISOString().replace('T', ' ').slice(0, 23),
    at: new Date(line.timestamp).toISOString(),
    detail: line.fields
      ? JSON.stringify(
          Object.fromEntries(
            Object.entries(line.fields).filter(
              ([k]) =>
                ![
                  'level',
                  'message',
                  'timestamp',
                  'service',
                  'sampling_rate',
                  'request_id',
                  'tenant',
                  'feature',
                  'function',
                ].includes(k),
            ),
          ),
        )
      : '',
  }));

export const logsPages = new Hono<AppEnv>()
  .get('/logs', requireConsole(), async (c) => {
    const platform = isPlatformAdmin(c.var.admin);
    const { form, query, problem } = readFilters(c, Date.now());
    const result = query ? await pageFor(c, query) : undefined;
    const pageProblem = problem ?? result?.problem;
    const kept = Object.fromEntries(Object.entries(form).filter(([, v]) => v));
    const nextQuery =
      result?.page.next && new URLSearchParams({ ...kept, cursor: result.page.next }).toString();
    return renderConsole(
      c,
      'logs.html.njk',
      {
        title: 'Logs',
        admin: c.var.admin,
        nav: 'logs',
        platform,
        functions: [...logsConfig().groups.keys()],
        levels: LEVELS,
        ranges: Object.keys(RANGES),
        tenants: platform ? await managedTenants(c) : [],
        form,
        lines: result ? view(result.page) : [],
        next_query: nextQuery,
        page_error: pageProblem,
      },
      pageProblem ? 400 : 200,
    );
  })
  .get('/errors', requireConsole(), async (c) => {
    const now = Date.now();
    const range = RANGES[c.req.query('range') ?? ''] ? (c.req.query('range') as string) : '24h';
    const { page, problem } = await pageFor(c, {
      functions: [],
      serverErrors: true,
      from: now - (RANGES[range] as number),
      to: now,
      limit: 100,
    });
    const dsn = errorReportingConfig().dsn;
    return renderConsole(
      c,
      'errors.html.njk',
      {
        title: 'Errors',
        admin: c.var.admin,
        nav: 'errors',
        range,
        ranges: Object.keys(RANGES),
        // Newest first: the page is a list of what just went wrong.
        lines: view(page).reverse(),
        has_more: Boolean(page.next),
        tracker: dsn ? new URL(dsn).host : undefined,
        page_error: problem,
      },
      problem ? 400 : 200,
    );
  });
