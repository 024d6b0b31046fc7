// The dashboard's figures: per site and overall, over 24 hours (by hour) or 7 days (by day), read from the
// Stats table's hourly counters (one Query per scope, at most 168 items) and never from the audit log. Plus the
// live gauges: users, MFA adoption, and the email and SMS queues.

import { smsDelivery } from '../auth';
import { clock } from '../core/clock';
import {
  ALL_TENANTS,
  type Counter,
  type Counts,
  type HourCounts,
  hourOf,
  readCounts,
} from '../core/db/stats';
import type { Tenant } from '../core/db/tenants';
import { countUsersAndMfa } from '../core/db/users';
import { queueDepth } from '../core/queue-depth';
import { barChartSvg } from '../stats';
import { queuesConfig } from './config';

export const RANGES = ['24h', '7d'] as const;
export type Range = (typeof RANGES)[number];

/** The charts, grouped as the dashboard shows them. */
export const CHART_GROUPS: { title: string; charts: [Counter, string][] }[] = [
  {
    title: 'Sign-in',
    charts: [
      ['sign_ins', 'Sign-ins'],
      ['sign_in_failures', 'Failed sign-ins'],
      ['lockouts', 'Lockouts'],
      ['token_reuse', 'Refresh-token reuse detected'],
      ['mfa_enrolled', 'MFA factors added'],
      ['mfa_removed', 'MFA factors removed'],
    ],
  },
  {
    title: 'Email and SMS',
    charts: [
      ['emails_sent', 'Emails sent'],
      ['emails_failed', 'Email attempts failed'],
      ['emails_dead_lettered', 'Emails dead-lettered'],
      ['sms_sent', 'SMS sent'],
      ['sms_failed', 'SMS attempts failed'],
      ['sms_dead_lettered', 'SMS dead-lettered'],
    ],
  },
  {
    title: 'Secret messages',
    charts: [
      ['secrets_received', 'Received'],
      ['secrets_opened', 'Opened'],
      ['secrets_expired', 'Expired unread'],
    ],
  },
  {
    title: 'Scraping and publishing',
    charts: [
      ['scrape_runs', 'Scrape runs'],
      ['scrape_failures', 'Scrape runs failed'],
      ['publishes', 'Publishes'],
      ['publish_failures', 'Publishes failed'],
    ],
  },
];
const BAD: ReadonlySet<Counter> = new Set([
  'sign_in_failures',
  'lockouts',
  'token_reuse',
  'emails_failed',
  'emails_dead_lettered',
  'sms_failed',
  'sms_dead_lettered',
  'scrape_failures',
  'publish_failures',
]);

const HOUR = 3_600_000;

/** The buckets of a range, oldest first: 24 hours, or 7 UTC days (each the hour-key prefix it sums). */
function bucketsOf(range: Range, now: number): { key: string; label: string }[] {
  if (range === '24h')
    return Array.from({ length: 24 }, (_, i) => {
      const hour = hourOf(now - (23 - i) * HOUR);
      return { key: hour, label: `${hour.replace('T', ' ')}:00` };
    });
  return Array.from({ length: 7 }, (_, i) => {
    const day = hourOf(now - (6 - i) * 24 * HOUR).slice(0, 10);
    return { key: day, label: day };
  });
}

function firstHour(range: Range, now: number): string {
  return range === '24h' ? hourOf(now - 23 * HOUR) : `${hourOf(now - 6 * 24 * HOUR).slice(0, 10)}T00`;
}

const total = (hours: HourCounts[], counter: Counter) =>
  hours.reduce((n, h) => n + (h.counts[counter] ?? 0), 0);

function chartsOf(hours: HourCounts[], range: Range, now: number) {
  const buckets = bucketsOf(range, now);
  const per = (counter: Counter) =>
    buckets.map((b) => ({
      label: b.label,
      value: hours.filter((h) => h.hour.startsWith(b.key)).reduce((n, h) => n + (h.counts[counter] ?? 0), 0),
    }));
  const span = range === '24h' ? 'per hour, last 24 hours' : 'per day, last 7 days';
  return CHART_GROUPS.map((group) => ({
    title: group.title,
    charts: group.charts.map(([counter, label]) => {
      const sum = total(hours, counter);
      return {
        counter,
        label,
        total: sum,
        alert: BAD.has(counter) && sum > 0,
        svg: barChartSvg(
          `${label} ${span}: ${sum} in all`,
          per(counter),
          BAD.has(counter) ? '#dc2626' : '#2563eb',
        ),
      };
    }),
  }));
}

/** Figures per site are read live, so the table covers this many sites; the Sites page lists them all. */
export const DASHBOARD_SITES = 25;

export type SiteStats = { tenant: Tenant; users: number; withMfa: number; totals: Counts };

/**
 * `scope` is a site's id, or every site at once (platform admins only). The site table gives each managed site's
 * totals over the same range.
 */
export async function dashboardStats(tenants: Tenant[], { scope, range }: { scope: string; range: Range }) {
  const now = clock.now();
  const [from, to] = [firstHour(range, now), hourOf(now)];
  const { emailQueueUrl, emailDlqUrl, smsQueueUrl, smsDlqUrl } = queuesConfig();
  const sms = smsDelivery();
  // The queues' depths are read alongside the counters, not after them.
  const depths = Promise.all(
    [emailQueueUrl, emailDlqUrl, sms.enabled && smsQueueUrl, sms.enabled && smsDlqUrl].map((url) =>
      queueDepth(url || undefined),
    ),
  );
  const shown = tenants.slice(0, DASHBOARD_SITES);
  const [allHours, sites] = await Promise.all([
    scope === ALL_TENANTS ? readCounts(ALL_TENANTS, from, to) : undefined,
    Promise.all(
      shown.map(async (tenant): Promise<SiteStats & { hours: HourCounts[] }> => {
        const [people, hours] = await Promise.all([
          countUsersAndMfa(tenant.id),
          readCounts(tenant.id, from, to),
        ]);
        const totals = Object.fromEntries(
          (['sign_ins', 'sign_in_failures', 'lockouts', 'token_reuse'] as Counter[]).map((c) => [
            c,
            total(hours, c),
          ]),
        );
        return { tenant, ...people, hours, totals };
      }),
    ),
  ]);
  // One site in view is usually a row of the table, whose hours are read already.
  const hours =
    allHours ?? sites.find((s) => s.tenant.id === scope)?.hours ?? (await readCounts(scope, from, to));
  const inScope = scope === ALL_TENANTS ? sites : sites.filter((s) => s.tenant.id === scope);
  const users = inScope.reduce((n, s) => n + s.users, 0);
  const withMfa = inScope.reduce((n, s) => n + s.withMfa, 0);
  const [queued, failed, textsQueued, textsFailed] = await depths;
  return {
    range,
    scope,
    groups: chartsOf(hours, range, now),
    mfa: { users, withMfa, percent: users ? Math.round((withMfa / users) * 100) : 0 },
    sites,
    totalSites: tenants.length,
    emails: { queued, failed },
    texts: sms.enabled ? { queued: textsQueued, failed: textsFailed } : undefined,
  };
}
