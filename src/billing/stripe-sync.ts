// The "sync from Stripe" pattern: each event names an object; the object is fetched again from the site's account
// and what Stripe says now is written down (PAY#, PM#, the subscription on BILLING), so events may come in any
// order, twice, or days late. Money moves by a plan of ledger entries, each keyed to the Stripe object it comes
// from (TOPUP#<payment>, REFUND#<refund>, INVOICE#<invoice>), so a payment credits once, whichever event brings it
// first: a refund that arrives before its payment's events credits the payment, then debits the refund.
import { audit, type RequestMeta } from '../core/audit';
import {
  deleteRecord,
  type LedgerKind,
  type Marker,
  postLedgerEntry,
  putRecord,
  setSubscription,
} from '../core/db/billing';
import type { Tenant } from '../core/db/tenants';
import { logger } from '../core/log';
import { userOfCustomer } from './customers';
import { sendReceipt } from './receipts';
import { callStripe, isMissing, type StripeClient } from './stripe-client';

type Loose = Record<string, unknown>;
type Planned = {
  userId: string;
  amount: number;
  currency: string;
  kind: LedgerKind;
  ref: string;
  description: string;
  marker: string;
  /** A refund is recorded as it happened, even past zero: the money has left (S47's one exception). */
  allowNegative?: boolean;
};

export type SyncContext = {
  tenant: Tenant;
  stripe: StripeClient;
  event: { id: string; previous?: Loose };
  meta: RequestMeta;
  plan: Planned[];
  ignored?: string;
  /** Customers already looked up for this event (a subscription's checkout names one customer three times). */
  users?: Map<string, Promise<string | undefined>>;
};

/**
 * The object as Stripe has it now, or undefined when the site's account has no such object (deleted, or test data
 * wiped): that event is acknowledged as `object_missing`, since retrying would never find it.
 */
async function fetchFrom<T>(ctx: SyncContext, call: () => Promise<T>): Promise<(T & Loose) | undefined> {
  const found = await callStripe(() => call().catch((e) => (isMissing(e) ? undefined : Promise.reject(e))));
  if (found === undefined) ctx.ignored ??= 'object_missing';
  return found as (T & Loose) | undefined;
}
const idOf = (v: unknown): string | undefined =>
  typeof v === 'string'
    ? v
    : typeof (v as Loose | null)?.id === 'string'
      ? ((v as Loose).id as string)
      : undefined;
const iso = (seconds: unknown) =>
  typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : undefined;

async function userOf(ctx: SyncContext, customer: unknown): Promise<string | undefined> {
  const id = idOf(customer) ?? '';
  ctx.users ??= new Map();
  if (!ctx.users.has(id)) ctx.users.set(id, userOfCustomer(ctx.stripe, ctx.tenant, id));
  const userId = await ctx.users.get(id);
  if (!userId) {
    // S41: another site's customer, or one this site never made; nothing changes.
    logger.warn('stripe event names a customer that is not a user of this site; ignored', {
      event_id: ctx.event.id,
      tenant: ctx.tenant.id,
    });
    ctx.ignored = 'foreign_customer';
  }
  return userId;
}

/**
 * A payment: its PAY# record, the top-up it credits (our checkouts' payments only) and every refund of it. Returns
 * the user whose top-up it is, if it is one.
 */
export async function syncPayment(
  ctx: SyncContext,
  paymentIntentId: string | undefined,
): Promise<string | undefined> {
  if (!paymentIntentId) return undefined;
  const pi = await fetchFrom(ctx, () => ctx.stripe.paymentIntents.retrieve(paymentIntentId));
  if (!pi) return undefined;
  const userId = await userOf(ctx, pi.customer);
  if (!userId) return undefined;
  const refunds = await callStripe(() => ctx.stripe.refunds.list({ payment_intent: pi.id, limit: 100 }));
  const done = (refunds.data as unknown as Loose[]).filter((r) => r.status === 'succeeded');
  const refunded = done.reduce((sum, r) => sum + Number(r.amount), 0);
  const isTopUp = (pi.metadata as Loose | undefined)?.user_id === userId;
  await putRecord(userId, 'PAY#', pi.id, {
    id: pi.id,
    provider: 'stripe',
    kind: isTopUp ? 'top_up' : 'subscription',
    status: pi.status,
    amount: pi.amount,
    amount_received: pi.amount_received,
    amount_refunded: refunded,
    currency: pi.currency,
    created: iso(pi.created),
    failure: (pi.last_payment_error as Loose | null)?.message ?? undefined,
  });
  if (!isTopUp || pi.status !== 'succeeded') {
    if (pi.status !== 'succeeded') ctx.ignored ??= 'not_a_paid_top_up';
    return undefined;
  }
  ctx.plan.push({
    userId,
    amount: Number(pi.amount_received),
    currency: String(pi.currency),
    kind: 'top_up',
    ref: pi.id,
    description: 'Top-up',
    marker: `TOPUP#${pi.id}`,
  });
  for (const r of done) {
    ctx.plan.push({
      userId,
      amount: -Number(r.amount),
      currency: String(r.currency),
      kind: 'refund',
      ref: String(r.id),
      description: 'Refund',
      marker: `REFUND#${r.id}`,
      allowNegative: true,
    });
  }
  return userId;
}

/** A payment method: on the user's list while Stripe says it is attached to their customer. */
async function syncPaymentMethod(ctx: SyncContext, pm: Loose): Promise<void> {
  // A detached method names its customer no more; the event's previous attributes still do.
  const customer = idOf(pm.customer) ?? idOf(ctx.event.previous?.customer);
  const userId = await userOf(ctx, customer);
  if (!userId) return;
  const now = await fetchFrom(ctx, () => ctx.stripe.paymentMethods.retrieve(String(pm.id)));
  if (!now || idOf(now.customer) !== customer) return deleteRecord(userId, 'PM#', String(pm.id));
  const card = (now.card ?? {}) as Loose;
  await putRecord(userId, 'PM#', now.id, {
    id: now.id,
    provider: 'stripe',
    type: now.type,
    brand: card.brand,
    last4: card.last4,
    exp_month: card.exp_month,
    exp_year: card.exp_year,
  });
}

const subscriptionIdOf = (invoice: Loose) =>
  idOf(invoice.subscription) ??
  idOf(((invoice.parent as Loose | null)?.subscription_details as Loose | undefined)?.subscription);

/** A subscription's state as Stripe has it now, on the user's BILLING item. */
async function syncSubscription(ctx: SyncContext, subscriptionId: string | undefined): Promise<void> {
  if (!subscriptionId) return;
  const sub = await fetchFrom(ctx, () => ctx.stripe.subscriptions.retrieve(subscriptionId));
  if (!sub) return;
  const userId = await userOf(ctx, sub.customer);
  if (!userId) return;
  const item = ((sub.items as unknown as Loose | undefined)?.data as Loose[] | undefined)?.[0] ?? {};
  await setSubscription(userId, {
    id: sub.id,
    provider: 'stripe',
    status: sub.status,
    price_id: idOf(item.price),
    current_period_end: iso(sub.current_period_end ?? item.current_period_end),
    cancel_at_period_end: sub.cancel_at_period_end === true,
  });
}

/** A paid subscription invoice credits its amount, once. */
async function syncInvoice(ctx: SyncContext, invoiceId: string | undefined): Promise<void> {
  if (!invoiceId) return;
  const invoice = await fetchFrom(ctx, () => ctx.stripe.invoices.retrieve(invoiceId));
  if (!invoice) return;
  if (invoice.status !== 'paid' || !subscriptionIdOf(invoice) || !Number(invoice.amount_paid)) {
    ctx.ignored ??= 'not_a_paid_subscription_invoice';
    return;
  }
  const userId = await userOf(ctx, invoice.customer);
  if (!userId) return;
  ctx.plan.push({
    userId,
    amount: Number(invoice.amount_paid),
    currency: String(invoice.currency),
    kind: 'subscription',
    ref: invoice.id,
    description: 'Subscription',
    marker: `INVOICE#${invoice.id}`,
  });
}

// A dispute's money: withdrawn as soon as it is a real dispute (not an inquiry, `warning_*`, or `prevented`), and
// returned when it is won.
const withdrawn = (status: unknown) =>
  typeof status === 'string' && !status.startsWith('warning_') && status !== 'prevented';

/** A chargeback: its payment synced first (so the top-up is there to take back), then debited, and credited if won. */
async function syncDispute(ctx: SyncContext, disputeId: string | undefined): Promise<void> {
  if (!disputeId) return;
  const dispute = await fetchFrom(ctx, () => ctx.stripe.disputes.retrieve(disputeId));
  if (!dispute) return;
  const userId = await syncPayment(ctx, idOf(dispute.payment_intent));
  if (!userId) return;
  const base = {
    userId,
    currency: String(dispute.currency),
    ref: dispute.id,
    allowNegative: true,
  };
  if (withdrawn(dispute.status)) {
    ctx.plan.push({
      ...base,
      amount: -Number(dispute.amount),
      kind: 'dispute',
      description: 'Disputed payment (chargeback)',
      marker: `DISPUTE#${dispute.id}`,
    });
  }
  if (dispute.status === 'won') {
    ctx.plan.push({
      ...base,
      amount: Number(dispute.amount),
      kind: 'dispute',
      description: 'Dispute won',
      marker: `DISPUTE_WON#${dispute.id}`,
    });
  }
}

type Handler = (ctx: SyncContext, object: Loose) => Promise<void>;
const subscription: Handler = (ctx, sub) => syncSubscription(ctx, idOf(sub.id));

const dispute: Handler = (ctx, d) => syncDispute(ctx, idOf(d.id));

const checkoutSession: Handler = async (ctx, s) => {
  const session = await fetchFrom(ctx, () => ctx.stripe.checkout.sessions.retrieve(String(s.id)));
  if (!session) return;
  if (session.mode === 'subscription') {
    await syncSubscription(ctx, idOf(session.subscription));
    return syncInvoice(ctx, idOf(session.invoice));
  }
  if (session.payment_status !== 'paid' || !session.payment_intent) {
    ctx.ignored = 'not_a_paid_top_up';
    return;
  }
  await syncPayment(ctx, idOf(session.payment_intent));
};
const payment: Handler = async (ctx, pi) => {
  await syncPayment(ctx, idOf(pi.id));
};

/** The handler for an event type: the ones below, every customer.subscription.* and every charge.dispute.*. */
export const handlerFor = (type: string): Handler | undefined =>
  EVENT_HANDLERS[type] ??
  (type.startsWith('customer.subscription.') ? subscription : undefined) ??
  (type.startsWith('charge.dispute.') ? dispute : undefined);

const EVENT_HANDLERS: Record<string, Handler> = {
  'checkout.session.completed': checkoutSession,
  // A delayed payment method (a bank debit) settles or fails after the checkout completed.
  'checkout.session.async_payment_succeeded': checkoutSession,
  'checkout.session.async_payment_failed': checkoutSession,
  'payment_intent.succeeded': payment,
  'payment_intent.payment_failed': payment,
  'charge.refunded': async (ctx, charge) => {
    await syncPayment(ctx, idOf(charge.payment_intent));
  },
  'payment_method.attached': syncPaymentMethod,
  'payment_method.detached': syncPaymentMethod,
  'customer.subscription.created': subscription,
  'customer.subscription.updated': subscription,
  'customer.subscription.deleted': subscription,
  'invoice.paid': (ctx, invoice) => syncInvoice(ctx, idOf(invoice.id)),
};

const AUDIT_EVENT: Partial<Record<LedgerKind, string>> = {
  top_up: 'billing_top_up',
  refund: 'billing_refund',
  dispute: 'billing_dispute',
  subscription: 'billing_subscription_credit',
};

/**
 * Posts the planned entries in order; the event's marker rides with the last, so a replay that finds it can be
 * sure every entry before it was posted. How many were new, and whether the marker was set with one.
 */
export async function applyPlan(ctx: SyncContext, eventMarker: Marker) {
  let applied = 0;
  let markerSet = false;
  for (const [i, p] of ctx.plan.entries()) {
    const last = i === ctx.plan.length - 1;
    const own: Marker = { sk: p.marker, answer: { ref: p.ref } };
    const result = await postLedgerEntry(
      p.userId,
      {
        amount: p.amount,
        currency: p.currency,
        kind: p.kind,
        ref: p.ref,
        description: p.description,
        provider: 'stripe',
      },
      { markers: last ? [own, eventMarker] : [own], allowNegative: p.allowNegative },
    );
    if ('repeat' in result) continue;
    applied++;
    markerSet = last;
    // Apart, so one round trip: the receipt reads the user's setting while the audit entry is written.
    await Promise.all([
      audit(ctx.meta, {
        tenantId: ctx.tenant.id,
        event: AUDIT_EVENT[p.kind] ?? 'billing_ledger_entry',
        outcome: 'success',
        userId: p.userId,
        detail: { amount: p.amount, currency: p.currency, ref: p.ref, stripe_event: ctx.event.id },
      }),
      sendReceipt(ctx.tenant, p.userId, result.entry, result.balance.currency),
    ]);
  }
  return { applied, markerSet };
}
