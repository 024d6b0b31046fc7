// The console's security center (issue 17 §1): the figures of the last 24 hours, the security feed with its filters,
// and the alerts an operator acknowledges ("someone is on it") or resolves ("it is over").
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { type Alert, getAlert, listAlerts, setAlertStatus } from '../core/db/alerts';
import { readControlState } from '../core/db/revocations';
import { querySecurityEvents, type SecurityQuery } from '../core/db/security-log';
import { parseTenantId } from '../core/db/tenants';
import type { User } from '../core/db/users';
import { NotFoundError, ValidationError } from '../core/errors';
import { CATEGORIES, SEVERITIES, type Severity } from '../core/security-events';

export { CATEGORIES };

import { ensurePlatformTenant } from './bootstrap';

const DAY_MS = 86_400_000;
// Enough to count a bad day; beyond it the figures say "at least".
const METRICS_EVENT_CAP = 5_000;

export async function securityMetrics() {
  const now = clock.now();
  const from = new Date(now - DAY_MS).toISOString();
  const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const byCategory: Record<string, number> = {};
  let total = 0;
  let after: string | undefined;
  do {
    const page = await querySecurityEvents({ from, limit: 500, after });
    for (const e of page.events) {
      total++;
      bySeverity[e.severity] = (bySeverity[e.severity] ?? 0) + 1;
      byCategory[e.category] = (byCategory[e.category] ?? 0) + 1;
    }
    after = page.next;
  } while (after && total < METRICS_EVENT_CAP);
  const [alerts, control] = await Promise.all([listAlerts(['open', 'acknowledged']), readControlState()]);
  return {
    window_hours: 24,
    events: { total, capped: total >= METRICS_EVENT_CAP, by_severity: bySeverity, by_category: byCategory },
    alerts: {
      open: alerts.filter((a) => a.status === 'open').length,
      acknowledged: alerts.filter((a) => a.status === 'acknowledged').length,
    },
    lockdowns: Object.keys(control.lockdowns),
    allowlist_entries: Object.values(control.allowlists).reduce((n, list) => n + (list?.length ?? 0), 0),
  };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The feed's filters from a query string; anything unreadable is a 422 naming the field. */
export function feedQuery(q: (name: string) => string | undefined): SecurityQuery {
  const errors: { field: string; message: string }[] = [];
  const severities = (q('severity') ?? '').split(',').filter(Boolean);
  if (severities.some((s) => !(SEVERITIES as readonly string[]).includes(s))) {
    errors.push({ field: 'severity', message: `one or more of ${SEVERITIES.join(', ')}` });
  }
  const category = q('category') || undefined;
  if (category && !(CATEGORIES as readonly string[]).includes(category)) {
    errors.push({ field: 'category', message: `one of ${CATEGORIES.join(', ')}` });
  }
  const site = q('site') || undefined;
  if (site && !parseTenantId(site) && site !== '*') {
    errors.push({ field: 'site', message: 'a site id, client_id#site_id' });
  }
  const day = (name: string) => {
    const value = q(name) || undefined;
    if (value && !(DATE.test(value) && !Number.isNaN(Date.parse(value)))) {
      errors.push({ field: name, message: 'a date, YYYY-MM-DD (UTC)' });
    }
    return value;
  };
  const from = day('from');
  const to = day('to');
  const limit = Number(q('limit') ?? 50);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    errors.push({ field: 'limit', message: '1 to 200' });
  if (errors.length) throw new ValidationError(errors);
  return {
    severities: severities as Severity[],
    category,
    site,
    from,
    to: to && `${to}T23:59:59.999Z`,
    limit,
    after: q('after') || undefined,
  };
}

export const alertView = (a: Alert) => ({
  id: a.id,
  rule: a.rule,
  scope: a.scope,
  severity: a.severity,
  summary: a.summary,
  status: a.status,
  first_at: a.firstAt,
  last_at: a.lastAt,
  fired_count: a.firedCount,
  notified_at: a.notifiedAt,
  acknowledged_by: a.acknowledgedBy,
  acknowledged_at: a.acknowledgedAt,
  resolved_by: a.resolvedBy,
  resolved_at: a.resolvedAt,
});

/** Acknowledges or resolves an alert, audited; an unknown id is a 404. */
export async function actOnAlert(
  admin: User,
  id: string,
  action: 'acknowledge' | 'resolve',
  meta: RequestMeta,
) {
  if (!(await getAlert(id))) throw new NotFoundError('No such alert');
  const status = action === 'acknowledge' ? 'acknowledged' : 'resolved';
  const alert = await setAlertStatus(id, status, admin.email, clock.now());
  if (!alert) throw new NotFoundError('No such alert');
  await audit(meta, {
    tenantId: (await ensurePlatformTenant()).id,
    event: `security_alert_${status}`,
    outcome: 'success',
    userId: admin.userId,
    detail: { alert: id, rule: alert.rule, scope: alert.scope },
  });
  return alert;
}
