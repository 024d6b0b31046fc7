// The console's Security page (/admin/security: the lockdown switch for now) and its JSON twin under
// /admin/api/security (seed 002's API): platform admins only, with a console session or a Bearer token.
import { type Context, Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { ALERT_STATUSES, type AlertStatus, listAlerts } from '../core/db/alerts';
import { querySecurityEvents } from '../core/db/security-log';
import { AppError, NotFoundError, ValidationError } from '../core/errors';
import { isPlatformAdmin } from '../core/roles';
import { SEVERITIES } from '../core/security-events';
import { assertCsrf } from '../middleware/csrf';
import { jsonOnly } from '../middleware/json-body';
import { clientIp, requestMeta } from '../middleware/request-meta';
import { parseBody } from '../middleware/validate';
import { consoleForm, noticeOf, refusalOf, requireConsole } from './access';
import { addAllowlistEntry, allowlistsOf, removeAllowlistEntry } from './ip-allowlist';
import { engageLockdown, liftLockdown, lockdownState } from './lockdown';
import { consoleSessionsOf, endOwnSession } from './own-sessions';
import { renderConsole } from './render';
import { actOnAlert, alertView, CATEGORIES, feedQuery, securityMetrics } from './security-center';
import { requireStepUp, steppedUpUntil, stepUp } from './step-up';
import { managedTenants } from './tenant-pages';

const platformAdminOnly = (c: Context<AppEnv>) => {
  if (!isPlatformAdmin(c.var.admin)) throw new NotFoundError();
};

/** A console session posting JSON carries the CSRF token in a header; a Bearer token needs none. */
const jsonCsrf = (c: Context<AppEnv>) => {
  if (!c.req.header('authorization')) assertCsrf(c, c.req.header('x-csrf-token'));
};

const lockdownBody = z.object({
  reason: z.string().min(3).max(500),
  scope: z.string().max(300).default('global'),
  revoke_sessions: z.boolean().default(false),
  code: z
    .string()
    .max(20)
    .optional()
    .describe('A fresh code from your authenticator app; not needed within five minutes of a step-up'),
});
const liftBody = lockdownBody.omit({ revoke_sessions: true });
const allowlistBody = z.object({
  scope: z.string().max(300).describe('console, tenant:<client_id>#<site_id>, or key:<key hash>'),
  cidr: z.string().max(60).describe('An IPv4 or IPv6 address or CIDR range'),
  note: z.string().max(200).optional(),
  confirm: z.boolean().default(false).describe('Save a console list that shuts out your own address'),
  code: lockdownBody.shape.code,
});

async function page(c: Context<AppEnv>, extra: { form_error?: string; status?: number } = {}) {
  const { lockdowns } = await lockdownState();
  const [lists, metrics, alerts, recent] = await Promise.all([
    allowlistsOf(c.var.admin, []),
    securityMetrics(),
    listAlerts(['open', 'acknowledged']),
    querySecurityEvents({ limit: 10 }),
  ]);
  const consoleList = lists.find((l) => l.scope === 'console');
  return renderConsole(
    c,
    'security.html.njk',
    {
      title: 'Security',
      admin: c.var.admin,
      nav: 'security',
      tenants: await managedTenants(c),
      engaged: Object.entries(lockdowns).map(([scope, l]) => ({ scope, ...l })),
      console_allowlist: (consoleList?.entries ?? []).map((e) => ({ ...e, applies_to: 'the console' })),
      your_ip: clientIp(c),
      metrics,
      alerts: alerts.map(alertView),
      recent: recent.events,
      notice: noticeOf(c),
      form_error: extra.form_error,
    },
    extra.status,
  );
}

/** A console form's action; its refusal re-renders the page with the reason. */
async function formAction(
  c: Context<AppEnv>,
  run: (field: (name: string) => string) => Promise<unknown>,
  notice: string,
) {
  const field = await consoleForm(c);
  platformAdminOnly(c);
  try {
    await run(field);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return page(c, { form_error: refusalOf(error), status: error.status });
  }
  return c.redirect(`/admin/security?notice=${notice}`, 303);
}

export const securityPages = new Hono<AppEnv>()
  .use('/security', requireConsole())
  .use('/security/*', requireConsole())
  .use('/api/security/*', requireConsole(), jsonOnly())
  .get('/security', (c) => {
    platformAdminOnly(c);
    return page(c);
  })
  .post('/security/lockdown', (c) =>
    formAction(
      c,
      (field) =>
        engageLockdown(
          c.var.admin,
          {
            scope: field('scope'),
            reason: field('reason'),
            revokeSessions: field('revoke_sessions') === 'on',
            stepUp: () => requireStepUp(c, field('code')),
          },
          requestMeta(c),
        ),
      'lockdown_engaged',
    ),
  )
  .post('/security/lockdown/lift', (c) =>
    formAction(
      c,
      (field) =>
        liftLockdown(
          c.var.admin,
          { scope: field('scope'), reason: field('reason'), stepUp: () => requireStepUp(c, field('code')) },
          requestMeta(c),
        ),
      'lockdown_lifted',
    ),
  )
  .get('/security/events', async (c) => {
    platformAdminOnly(c);
    let query: ReturnType<typeof feedQuery>;
    let formError: string | undefined;
    try {
      query = feedQuery((name) => c.req.query(name));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      formError = refusalOf(error);
      query = { limit: 50 };
    }
    const page = await querySecurityEvents(query);
    const next = new URLSearchParams(
      Object.entries({ ...c.req.query(), after: page.next ?? '' }).filter(([, v]) => v),
    ).toString();
    return renderConsole(
      c,
      'security-events.html.njk',
      {
        title: 'Security events',
        admin: c.var.admin,
        nav: 'security',
        events: page.events,
        q: c.req.query(),
        severities: SEVERITIES,
        categories: CATEGORIES,
        next_query: page.next ? next : undefined,
        form_error: formError,
      },
      formError ? 422 : 200,
    );
  })
  .post('/security/alerts/:id/:action{acknowledge|resolve}', (c) =>
    formAction(
      c,
      () =>
        actOnAlert(c.var.admin, c.req.param('id'), c.req.param('action') as 'acknowledge', requestMeta(c)),
      c.req.param('action') === 'resolve' ? 'alert_resolved' : 'alert_acknowledged',
    ),
  )
  .post('/security/ip-allowlist', (c) =>
    formAction(
      c,
      (field) =>
        addAllowlistEntry(
          c.var.admin,
          {
            scope: 'console',
            cidr: field('cidr'),
            note: field('note'),
            confirm: field('confirm') === 'on',
            stepUp: () => requireStepUp(c, field('code')),
          },
          requestMeta(c),
        ),
      'allowlist_added',
    ),
  )
  .post('/security/ip-allowlist/:entry/remove', (c) =>
    formAction(
      c,
      (field) =>
        removeAllowlistEntry(
          c.var.admin,
          {
            id: c.req.param('entry'),
            confirm: field('confirm') === 'on',
            stepUp: () => requireStepUp(c, field('code')),
          },
          requestMeta(c),
        ),
      'allowlist_removed',
    ),
  )
  .get('/api/security/ip-allowlist', async (c) => {
    const tenants = await managedTenants(c);
    const lists = await allowlistsOf(
      c.var.admin,
      tenants.map((t) => t.id),
    );
    return c.json({ your_ip: clientIp(c), allowlists: lists });
  })
  .post('/api/security/ip-allowlist', async (c) => {
    jsonCsrf(c);
    const body = await parseBody(c, allowlistBody);
    const entry = await addAllowlistEntry(
      c.var.admin,
      { ...body, stepUp: () => requireStepUp(c, body.code) },
      requestMeta(c),
    );
    return c.json({ scope: body.scope, entry }, 201);
  })
  .delete('/api/security/ip-allowlist/:entry', async (c) => {
    jsonCsrf(c);
    await removeAllowlistEntry(
      c.var.admin,
      {
        id: c.req.param('entry'),
        confirm: c.req.query('confirm') === 'true',
        stepUp: () => requireStepUp(c),
      },
      requestMeta(c),
    );
    return c.json({ removed: c.req.param('entry') });
  })
  .get('/api/security/metrics', async (c) => {
    platformAdminOnly(c);
    return c.json(await securityMetrics());
  })
  .get('/api/security/events', async (c) => {
    platformAdminOnly(c);
    const page = await querySecurityEvents(feedQuery((name) => c.req.query(name)));
    return c.json({ events: page.events, next: page.next });
  })
  .get('/api/security/alerts', async (c) => {
    platformAdminOnly(c);
    const wanted = (c.req.query('status') ?? 'open,acknowledged').split(',');
    if (wanted.some((s) => !(ALERT_STATUSES as readonly string[]).includes(s))) {
      throw new ValidationError([
        { field: 'status', message: `one or more of ${ALERT_STATUSES.join(', ')}` },
      ]);
    }
    return c.json({ alerts: (await listAlerts(wanted as AlertStatus[])).map(alertView) });
  })
  .post('/api/security/alerts/:id/:action{acknowledge|resolve}', async (c) => {
    platformAdminOnly(c);
    jsonCsrf(c);
    const alert = await actOnAlert(
      c.var.admin,
      c.req.param('id'),
      c.req.param('action') as 'acknowledge' | 'resolve',
      requestMeta(c),
    );
    return c.json({ alert: alertView(alert) });
  })
  .get('/api/security/sessions', async (c) => c.json({ sessions: await consoleSessionsOf(c) }))
  .delete('/api/security/sessions/:id', async (c) => {
    jsonCsrf(c);
    await endOwnSession(c, c.req.param('id'));
    return c.json({ ended: c.req.param('id') });
  })
  .post('/api/security/step-up', async (c) => {
    jsonCsrf(c);
    const { code } = await parseBody(c, z.object({ code: z.string().max(20) }));
    await stepUp(c, code);
    return c.json({ stepped_up_until: new Date(steppedUpUntil(c) * 1000).toISOString() });
  })
  .get('/api/security/emergency-lockdown', async (c) => {
    platformAdminOnly(c);
    return c.json(await lockdownState());
  })
  .post('/api/security/emergency-lockdown', async (c) => {
    platformAdminOnly(c);
    jsonCsrf(c);
    const body = await parseBody(c, lockdownBody);
    return c.json(
      await engageLockdown(
        c.var.admin,
        {
          scope: body.scope,
          reason: body.reason,
          revokeSessions: body.revoke_sessions,
          stepUp: () => requireStepUp(c, body.code),
        },
        requestMeta(c),
      ),
    );
  })
  .post('/api/security/emergency-lockdown/lift', async (c) => {
    platformAdminOnly(c);
    jsonCsrf(c);
    const body = await parseBody(c, liftBody);
    return c.json(
      await liftLockdown(
        c.var.admin,
        { scope: body.scope, reason: body.reason, stepUp: () => requireStepUp(c, body.code) },
        requestMeta(c),
      ),
    );
  });
