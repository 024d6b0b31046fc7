// What the console shows about money: a user's billing (balance, payments, methods, ledger) and a site's last 30
// days (top-ups, refunds, charges, subscription credits, and the balances outstanding now), read from the Billing
// table's site-index so a summary costs a few queries, not a scan.
import { clock } from '../core/clock';
import {
  getBalance,
  getBillingProfile,
  listLedger,
  listRecords,
  siteBalances,
  siteLedgerSince,
} from '../core/db/billing';
import type { Tenant } from '../core/db/tenants';
import { formatMoney } from './money';
import { billingSettings } from './settings';

export async function userBilling(tenant: Tenant, userId: string, cursor?: string) {
  const { currency } = billingSettings(tenant).billing;
  const [balance, profile, payments, methods, ledger] = await Promise.all([
    getBalance(userId),
    getBillingProfile(userId),
    listRecords(userId, 'PAY#'),
    listRecords(userId, 'PM#'),
    listLedger(userId, { limit: 50, cursor }),
  ]);
  const money = (amount: unknown, cur = currency) => formatMoney(Number(amount ?? 0), String(cur));
  return {
    balance: {
      amount: balance?.amount ?? 0,
      currency: balance?.currency ?? currency,
      shown: money(balance?.amount),
    },
    customer: profile.stripeCustomerId,
    subscription: profile.subscription,
    payments: payments.map((p) => {
      const refundable =
        p.status === 'succeeded' && p.kind === 'top_up'
          ? Number(p.amount_received) - Number(p.amount_refunded ?? 0)
          : 0;
      return {
        ...p,
        refundable,
        amount_shown: money(p.amount, p.currency as string),
        refunded_shown: money(p.amount_refunded, p.currency as string),
      };
    }),
    methods,
    ledger: {
      entries: ledger.entries.map((e) => ({
        ...e,
        amount_shown: money(e.amount),
        balance_shown: money(e.balanceAfter),
      })),
      next: ledger.next,
    },
  };
}

type Totals = { count: number; amount: number };
const SUMMARY_DAYS = 30;

export async function siteBillingSummary(tenant: Tenant) {
  const from = new Date(clock.now() - SUMMARY_DAYS * 86_400_000).toISOString();
  const [ledger, balances] = await Promise.all([siteLedgerSince(tenant.id, from), siteBalances(tenant.id)]);
  const byKind: Record<string, Totals> = {};
  for (const e of ledger.entries) {
    const t = byKind[e.kind] ?? { count: 0, amount: 0 };
    byKind[e.kind] = { count: t.count + 1, amount: t.amount + e.amount };
  }
  const currency = billingSettings(tenant).billing.currency;
  const row = (label: string, t: Totals = { count: 0, amount: 0 }) => ({
    label,
    ...t,
    shown: formatMoney(t.amount, currency),
  });
  const outstanding = balances.balances.reduce((sum, b) => sum + b.amount, 0);
  return {
    days: SUMMARY_DAYS,
    currency,
    rows: [
      row('Top-ups', byKind.top_up),
      row('Refunds', byKind.refund),
      row('Charges', byKind.charge),
      row('Subscription credits', byKind.subscription),
      row('Disputes (chargebacks, net)', byKind.dispute),
    ],
    outstanding: {
      users: balances.balances.filter((b) => b.amount !== 0).length,
      amount: outstanding,
      shown: formatMoney(outstanding, currency),
      negative: balances.balances.filter((b) => b.amount < 0).length,
    },
    complete: ledger.complete && balances.complete,
  };
}
