// One evaluation of the alert rules (the AlertsFunction, every minute): observe the last five minutes, judge, raise
// each firing as an alert (deduplicated, with a cooldown), and notify for those that opened. An opened alert is
// itself a security event, so the feed tells the story in order.
import { audit } from '../core/audit';
import { clock } from '../core/clock';
import { type Alert, raiseAlert } from '../core/db/alerts';
import { parseTenantId, tenantIdOf } from '../core/db/tenants';
import { logger } from '../core/log';
import type { Resolver } from '../core/outbound/fetch';
import { PLATFORM_TENANT } from '../core/roles';
import { alertsConfig } from './config';
import { type Delivery, notifyAdmins } from './notify';
import { judge, observe } from './rules';

const WORKER = { ip: 'alerts-function', userAgent: 'lambdalith-alerts' };

/** Whose audit log records the alert: the site it is about, else the platform's. */
const siteOf = (scope: string) =>
  parseTenantId(scope.replace(/^tenant:/, '')) ??
  tenantIdOf(PLATFORM_TENANT.clientId, PLATFORM_TENANT.siteId);

export type Evaluation = { fired: number; opened: Alert[]; deliveries: Delivery[] };

export async function evaluateAlerts(options: { resolver?: Resolver } = {}): Promise<Evaluation> {
  const config = alertsConfig();
  const now = clock.now();
  const firings = judge(await observe(now, config.deadLetterQueues), config);
  const opened: Alert[] = [];
  const deliveries: Delivery[] = [];
  for (const firing of firings) {
    const { alert, opened: isNew, notify } = await raiseAlert(firing, now, config.cooldownMs);
    if (!isNew) continue;
    opened.push(alert);
    await audit(WORKER, {
      tenantId: siteOf(firing.scope),
      event: 'security_alert_opened',
      outcome: 'success',
      detail: {
        alert: alert.id,
        rule: alert.rule,
        scope: alert.scope,
        severity: alert.severity,
        notified: notify,
      },
    });
    if (notify) deliveries.push(...(await notifyAdmins(alert, options.resolver)));
  }
  logger.info('alert rules evaluated', {
    fired: firings.length,
    opened: opened.length,
    sent: deliveries.length,
  });
  return { fired: firings.length, opened, deliveries };
}
