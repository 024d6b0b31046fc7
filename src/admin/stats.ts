// The dashboard's figures: users per site, sign-ins, failures and lockouts in the last 24 hours, email queues.

import { smsDelivery } from '../auth';
import { clock } from '../core/clock';
import { queryAuditEvents } from '../core/db/audit-log';
import type { Tenant } from '../core/db/tenants';
import { countUsers } from '../core/db/users';
import { queuesConfig } from './config';
import { queueDepth } from './queue-depth';

export type SiteStats = {
  tenant: Tenant;
  users: number;
  signIns: number;
  failures: number;
  lockouts: number;
};

// Enough for a dashboard; beyond it the figure reads "1000+".
const MAX_EVENTS = 1000;

async function lastDayCounts(tenantId: string) {
  const since = new Date(clock.now() - 86_400_000).toISOString();
  const counts = { signIns: 0, failures: 0, lockouts: 0, capped: false };
  let after: string | undefined;
  let seen = 0;
  do {
    const page = await queryAuditEvents(tenantId, { from: since, limit: 200, after });
    for (const e of page.events) {
      if (e.event === 'authn_login_success' || e.event === 'admin_login_success') counts.signIns++;
      else if (e.event === 'authn_login_fail') counts.failures++;
      else if (e.event === 'authn_login_lock') counts.lockouts++;
    }
    seen += page.events.length;
    after = page.next;
  } while (after && seen < MAX_EVENTS);
  counts.capped = Boolean(after);
  return counts;
}

/** Figures are computed live, so the dashboard covers this many sites; the Sites page lists them all. */
export const DASHBOARD_SITES = 25;

export async function dashboardStats(tenants: Tenant[]) {
  const sites = await Promise.all(
    tenants.slice(0, DASHBOARD_SITES).map(async (tenant): Promise<SiteStats & { capped: boolean }> => {
      const id = tenant.id;
      const [users, day] = await Promise.all([countUsers(id), lastDayCounts(id)]);
      return { tenant, users, ...day };
    }),
  );
  const { emailQueueUrl, emailDlqUrl, smsQueueUrl, smsDlqUrl } = queuesConfig();
  const sms = smsDelivery();
  const [queued, failed, textsQueued, textsFailed] = await Promise.all(
    [emailQueueUrl, emailDlqUrl, sms.enabled && smsQueueUrl, sms.enabled && smsDlqUrl].map((url) =>
      queueDepth(url || undefined),
    ),
  );
  return {
    sites,
    totalSites: tenants.length,
    emails: { queued, failed },
    texts: sms.enabled ? { queued: textsQueued, failed: textsFailed } : undefined,
  };
}
