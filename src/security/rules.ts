// The alert rules (issue 17 §1), run every minute by the AlertsFunction over the last five minutes: failed sign-ins
// above a threshold on a site, any refresh-token reuse, any admin lockout, a dead-letter queue that is not empty,
// 5xx answers above a threshold, a lockdown engaged, drift found by the billing reconciliation. Observing (reads) and judging (pure) are apart, so each rule's
// judgement is plain to read and test.

import type { Firing } from '../core/db/alerts';
import { countAuditEvents } from '../core/db/audit-log';
import { readControlState } from '../core/db/revocations';
import { querySecurityEvents, type SecurityEvent } from '../core/db/security-log';
import { listTenants } from '../core/db/tenants';
import { queueDepth } from '../core/queue-depth';

export const ALERT_RULES = {
  failed_sign_ins: 'Failed sign-ins above the threshold on a site (5 minutes)',
  token_reuse: 'A refresh token was used twice (possible theft)',
  admin_lockout: 'An admin account was locked out',
  dead_letters: 'A dead-letter queue holds messages',
  server_errors: '5xx answers above the threshold (5 minutes)',
  lockdown: 'An emergency lockdown is engaged',
  billing_drift: 'The daily reconciliation found a balance that disagrees with its ledger or with Stripe',
} as const;
export type AlertRule = keyof typeof ALERT_RULES;
export const ALERT_RULE_NAMES = Object.keys(ALERT_RULES) as AlertRule[];

export const WINDOW_MS = 5 * 60_000;

export type Observations = {
  failedSignIns: Record<string, number>;
  securityEvents: SecurityEvent[];
  deadLetters: Record<string, number | undefined>;
  lockdowns: string[];
};

export type Thresholds = { failedSignIns: number; serverErrors: number };

/** What the rules look at, read from the last five minutes. */
export async function observe(
  nowMs: number,
  deadLetterQueues: { name: string; url: string }[],
): Promise<Observations> {
  const from = new Date(nowMs - WINDOW_MS).toISOString();
  const [failedSignIns, feed, deadLetters, control] = await Promise.all([
    failuresPerSite(from),
    recentSecurityEvents(from),
    Promise.all(deadLetterQueues.map(async (q) => [q.name, await queueDepth(q.url)] as const)),
    readControlState(),
  ]);
  return {
    failedSignIns,
    securityEvents: feed,
    deadLetters: Object.fromEntries(deadLetters),
    lockdowns: Object.keys(control.lockdowns),
  };
}

async function failuresPerSite(from: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  let after: string | undefined;
  do {
    const page = await listTenants({ limit: 100, after });
    await Promise.all(
      page.tenants.map(async (t) => {
        counts[t.id] = await countAuditEvents(t.id, 'authn_login_fail', from);
      }),
    );
    after = page.next;
  } while (after);
  return counts;
}

async function recentSecurityEvents(from: string): Promise<SecurityEvent[]> {
  const events: SecurityEvent[] = [];
  let after: string | undefined;
  // A burst of server errors can be thousands of events; 2,000 is plenty to judge five minutes by.
  do {
    const page = await querySecurityEvents({ from, limit: 500, after });
    events.push(...page.events);
    after = page.next;
  } while (after && events.length < 2_000);
  return events;
}

const siteNameOf = (id: string) => (id === '*' ? 'an unknown site' : id);

/** The rules' verdicts on what was observed: one firing per rule and scope. */
export function judge(o: Observations, t: Thresholds): Firing[] {
  const firings: Firing[] = [];
  for (const [site, failures] of Object.entries(o.failedSignIns)) {
    if (failures > t.failedSignIns) {
      firings.push({
        rule: 'failed_sign_ins',
        scope: site,
        severity: failures > t.failedSignIns * 10 ? 'critical' : 'high',
        summary: `${failures} failed sign-ins on ${site} in 5 minutes (threshold ${t.failedSignIns})`,
      });
    }
  }
  const bySite = (events: SecurityEvent[]) => {
    const sites = new Map<string, number>();
    for (const e of events) sites.set(e.tenantId, (sites.get(e.tenantId) ?? 0) + 1);
    return sites;
  };
  for (const [site, n] of bySite(o.securityEvents.filter((e) => e.event === 'authn_token_reuse'))) {
    firings.push({
      rule: 'token_reuse',
      scope: site,
      severity: 'high',
      summary: `${n} refresh-token reuse${n === 1 ? '' : 's'} on ${siteNameOf(site)}: the sessions were ended`,
    });
  }
  const adminLockouts = o.securityEvents.filter((e) => e.category === 'lockout' && e.detail?.admin === true);
  for (const [site, n] of bySite(adminLockouts)) {
    firings.push({
      rule: 'admin_lockout',
      scope: site,
      severity: 'high',
      summary: `${n} admin lockout${n === 1 ? '' : 's'} on ${siteNameOf(site)}`,
    });
  }
  for (const [queue, depth] of Object.entries(o.deadLetters)) {
    if (depth && depth > 0) {
      firings.push({
        rule: 'dead_letters',
        scope: queue,
        severity: 'medium',
        summary: `The ${queue} dead-letter queue holds ${depth} message${depth === 1 ? '' : 's'}`,
      });
    }
  }
  const serverErrors = o.securityEvents.filter((e) => e.event === 'http_server_error').length;
  if (serverErrors > t.serverErrors) {
    firings.push({
      rule: 'server_errors',
      scope: '*',
      severity: 'high',
      summary: `${serverErrors} 5xx answers in 5 minutes (threshold ${t.serverErrors})`,
    });
  }
  for (const [site, n] of bySite(o.securityEvents.filter((e) => e.event === 'billing_reconcile_drift'))) {
    firings.push({
      rule: 'billing_drift',
      scope: site,
      severity: 'high',
      summary: `Billing drift on ${siteNameOf(site)}: the reconciliation found ${n === 1 ? 'a mismatch' : `${n} mismatches`} (see the security feed for the details)`,
    });
  }
  for (const scope of o.lockdowns) {
    firings.push({
      rule: 'lockdown',
      scope,
      severity: 'critical',
      summary: `Emergency lockdown engaged (${scope})`,
    });
  }
  return firings;
}
