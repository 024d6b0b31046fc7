// An opened alert reaches the platform admins whose preferences ask for it: email through the email queue and SMS
// through the SMS queue (both durable, through the outbox: a worker outage delays them, loses nothing), and a signed
// webhook POSTed now (three tries; a failure is logged and left in the security feed).
import { smsDelivery } from '../auth';
import type { Alert } from '../core/db/alerts';
import { tenantIdOf } from '../core/db/tenants';
import { listUsers, type User } from '../core/db/users';
import { logger } from '../core/log';
import type { Resolver } from '../core/outbound/fetch';
import { isPlatformAdmin, PLATFORM_TENANT } from '../core/roles';
import { unseal } from '../core/sealed';
import { deliverWebhook } from '../core/webhook-signature';
import { enqueueEmails } from '../email';
import { enqueueSms } from '../sms';
import { preferencesOf, severityRank, webhookSecretContext } from './preferences';
import { ALERT_RULES, type AlertRule } from './rules';

export type Delivery = { userId: string; channel: 'email' | 'sms' | 'webhook'; delivered: boolean };

async function platformAdmins(): Promise<User[]> {
  const admins: User[] = [];
  let after: string | undefined;
  do {
    const page = await listUsers(tenantIdOf(PLATFORM_TENANT.clientId, PLATFORM_TENANT.siteId), {
      limit: 100,
      after,
    });
    admins.push(...page.users.filter((u) => u.status === 'active' && isPlatformAdmin(u)));
    after = page.next;
  } while (after);
  return admins;
}

const titleOf = (alert: Alert) => `[${alert.severity}] ${alert.summary}`.slice(0, 200);

/** Sends the alert to each platform admin by the channels they chose; what was sent to whom. */
export async function notifyAdmins(alert: Alert, resolver?: Resolver): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  const emails: Parameters<typeof enqueueEmails>[0] = [];
  for (const admin of await platformAdmins()) {
    const prefs = await preferencesOf(admin.userId);
    if (!prefs.rules.includes(alert.rule) || severityRank(alert.severity) < severityRank(prefs.minSeverity))
      continue;
    if (prefs.email) {
      emails.push({
        client_id: PLATFORM_TENANT.clientId,
        site_id: PLATFORM_TENANT.siteId,
        template: 'notification',
        to: admin.email,
        data: {
          title: titleOf(alert),
          message: [
            alert.summary,
            `Rule: ${ALERT_RULES[alert.rule as AlertRule] ?? alert.rule}`,
            `First seen: ${alert.firstAt}`,
            'Acknowledge or resolve it on the console Security page.',
          ].join('\n'),
        },
      });
      deliveries.push({ userId: admin.userId, channel: 'email', delivered: true });
    }
    if (prefs.smsTo && smsDelivery().enabled) {
      const expires = Math.floor(Date.parse(alert.lastAt) / 1000) + 3_600;
      await enqueueSms(
        admin.tenantId,
        { to: prefs.smsTo, text: `lambdalith ${titleOf(alert)}`.slice(0, 300) },
        expires,
      );
      deliveries.push({ userId: admin.userId, channel: 'sms', delivered: true });
    }
    if (prefs.webhookUrl && prefs.webhookSecretSealed) {
      deliveries.push({
        userId: admin.userId,
        channel: 'webhook',
        delivered: await postAlert(admin, prefs.webhookUrl, prefs.webhookSecretSealed, alert, resolver),
      });
    }
  }
  if (emails.length) await enqueueEmails(emails);
  return deliveries;
}

async function postAlert(admin: User, url: string, sealed: string, alert: Alert, resolver?: Resolver) {
  const secret = await unseal(sealed, webhookSecretContext(admin.userId));
  if (!secret) {
    logger.error('alert webhook secret does not unseal; webhook not sent', { user_id: admin.userId });
    return false;
  }
  const body = JSON.stringify({
    event: 'security.alert',
    alert: {
      id: alert.id,
      rule: alert.rule,
      scope: alert.scope,
      severity: alert.severity,
      summary: alert.summary,
      status: alert.status,
      first_at: alert.firstAt,
      last_at: alert.lastAt,
    },
  });
  const outcome = await deliverWebhook(url, secret, body, resolver);
  if (!outcome.delivered) {
    logger.warn('alert webhook not delivered', {
      user_id: admin.userId,
      alert_id: alert.id,
      error: outcome.reason,
    });
  }
  return outcome.delivered;
}
