// The daily reconciliation (BillingReconcileFunction): every balance must equal the sum of its ledger, and a sample
// of recent Stripe-backed entries must match what Stripe has (a top-up its payment, a refund its refund, a
// subscription credit its invoice). Any drift is audited as a security event, `billing_reconcile_drift`, per site;
// the alert rules turn it into an alert and an email to the platform admins within the minute. It only reads.
import { audit } from '../core/audit';
import { clock } from '../core/clock';
import { type LedgerKind, siteBalances, siteLedgerSince, sumLedger } from '../core/db/billing';
import { listTenants, type Tenant } from '../core/db/tenants';
import { logger } from '../core/log';
import { BillingNotConfigured, callStripe, type StripeClient, stripeFor } from './stripe-client';

export type Drift = {
  site: string;
  userId: string;
  check: 'ledger_sum' | 'stripe';
  expected: number;
  found: number;
  ref?: string;
};
export type Reconciliation = {
  sites: number;
  balances: number;
  sampled: number;
  unchecked: number;
  drifts: Drift[];
};

const WORKER = { ip: 'billing-reconcile', userAgent: 'lambdalith-billing-reconcile' };
// Recent enough to matter, old enough that its webhook has landed.
const SAMPLE_WINDOW_MS = 2 * 86_400_000;
const PARALLEL = 8;

async function inParallel<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/** What Stripe says the entry should be, in the ledger's signs (a refund is negative). */
async function stripeAmount(
  stripe: StripeClient,
  kind: LedgerKind,
  ref: string,
): Promise<number | undefined> {
  if (kind === 'top_up') {
    const pi = await callStripe(() => stripe.paymentIntents.retrieve(ref));
    return pi.status === 'succeeded' ? pi.amount_received : 0;
  }
  if (kind === 'refund') {
    const refund = await callStripe(() => stripe.refunds.retrieve(ref));
    return refund.status === 'succeeded' ? -refund.amount : 0;
  }
  if (kind === 'dispute') {
    // Withdrawn once it is a real dispute, returned when won: what the ledger booked for it, net.
    const dispute = await callStripe(() => stripe.disputes.retrieve(ref));
    const taken = !dispute.status.startsWith('warning_') && dispute.status !== 'prevented';
    return (taken ? -dispute.amount : 0) + (dispute.status === 'won' ? dispute.amount : 0);
  }
  if (kind === 'subscription') {
    const invoice = await callStripe(() => stripe.invoices.retrieve(ref));
    return invoice.status === 'paid' ? invoice.amount_paid : 0;
  }
  return undefined;
}

async function reconcileSite(tenant: Tenant, sampleSize: number, out: Reconciliation): Promise<void> {
  const drifts: Drift[] = [];
  const { balances } = await siteBalances(tenant.id);
  await inParallel(balances, async (b) => {
    const sum = await sumLedger(b.userId);
    if (sum !== b.amount) {
      drifts.push({ site: tenant.id, userId: b.userId, check: 'ledger_sum', expected: sum, found: b.amount });
    }
  });
  out.balances += balances.length;

  const since = new Date(clock.now() - SAMPLE_WINDOW_MS).toISOString();
  // Per Stripe object, everything the ledger booked for it: a payment credited twice is drift, though each entry
  // alone matches.
  const byRef = new Map<string, { userId: string; kind: LedgerKind; ref: string; amount: number }>();
  for (const e of (await siteLedgerSince(tenant.id, since)).entries) {
    if (!e.ref || !['top_up', 'refund', 'subscription', 'dispute'].includes(e.kind)) continue;
    const seen = byRef.get(e.ref);
    byRef.set(e.ref, { userId: e.userId, kind: e.kind, ref: e.ref, amount: (seen?.amount ?? 0) + e.amount });
  }
  const sample = [...byRef.values()].sort(() => Math.random() - 0.5).slice(0, sampleSize);
  if (sample.length) {
    const stripe = await stripeFor(tenant).catch((error) => {
      if (error instanceof BillingNotConfigured) return undefined;
      throw error;
    });
    await inParallel(stripe ? sample : [], async (e) => {
      try {
        const expected = await stripeAmount(stripe as StripeClient, e.kind, e.ref);
        out.sampled++;
        if (expected !== undefined && expected !== e.amount) {
          drifts.push({
            site: tenant.id,
            userId: e.userId,
            check: 'stripe',
            expected,
            found: e.amount,
            ref: e.ref,
          });
        }
      } catch (error) {
        // Stripe down or the key revoked: unchecked today, not drift.
        out.unchecked++;
        logger.warn('could not compare a ledger entry with Stripe', { site: tenant.id, ref: e.ref, error });
      }
    });
    if (!stripe) out.unchecked += sample.length;
  }
  if (drifts.length) {
    const first = drifts[0] as Drift;
    await audit(WORKER, {
      tenantId: tenant.id,
      event: 'billing_reconcile_drift',
      outcome: 'failure',
      userId: first.userId,
      detail: {
        drifts: drifts.length,
        ledger_sum: drifts.filter((d) => d.check === 'ledger_sum').length,
        stripe: drifts.filter((d) => d.check === 'stripe').length,
        first_check: first.check,
        first_expected: first.expected,
        first_found: first.found,
      },
    });
  }
  out.drifts.push(...drifts);
}

export async function reconcileBilling({ sampleSize = 20 } = {}): Promise<Reconciliation> {
  const out: Reconciliation = { sites: 0, balances: 0, sampled: 0, unchecked: 0, drifts: [] };
  let after: string | undefined;
  do {
    const page = await listTenants({ limit: 100, after });
    for (const tenant of page.tenants) {
      out.sites++;
      await reconcileSite(tenant, sampleSize, out);
    }
    after = page.next;
  } while (after);
  logger.info('billing reconciled', {
    sites: out.sites,
    balances: out.balances,
    sampled: out.sampled,
    unchecked: out.unchecked,
    drifts: out.drifts.length,
  });
  return out;
}
