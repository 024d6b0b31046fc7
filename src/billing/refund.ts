// An operator refunds a payment from the console: a Stripe refund of part or all of a top-up, at most what is left
// of it, and (unless the site allows credit) at most the balance, since money already spent cannot be handed back
// twice. Only Stripe's refund is made here; the ledger entry arrives with its signed charge.refunded webhook, the
// same way as a refund made in Stripe's dashboard. A double click refunds once (an idempotency key from the
// payment, the amount and what was refunded before).
import { audit, type RequestMeta } from '../core/audit';
import { sha256Hex } from '../core/crypto';
import { getBalance, getRecord } from '../core/db/billing';
import type { Tenant } from '../core/db/tenants';
import type { User } from '../core/db/users';
import { NotFoundError, ValidationError } from '../core/errors';
import { billingSettings } from './settings';
import { callStripe, stripeFor } from './stripe-client';

/** Why this amount cannot be refunded, or undefined when it can. */
async function refundProblem(
  tenant: Tenant,
  userId: string,
  payment: Record<string, unknown>,
  typed: string,
  amount: number,
): Promise<string | undefined> {
  if (!/^\d{1,10}$/.test(typed) || amount < 1) return 'a whole number of minor units (cents), at least 1';
  const refundable = Number(payment.amount_received) - Number(payment.amount_refunded ?? 0);
  if (amount > refundable) return `at most ${refundable}, what is left of this payment`;
  if (billingSettings(tenant).billing.allow_credit) return undefined;
  const balance = (await getBalance(userId))?.amount ?? 0;
  return amount > balance ? `at most ${balance}, the balance: the rest has been spent` : undefined;
}

export async function refundPayment(
  tenant: Tenant,
  user: User,
  input: { paymentId: string; amount: string },
  meta: RequestMeta & { by: string },
): Promise<{ refundId: string; amount: number }> {
  const payment = /^pi_[A-Za-z0-9]{4,100}$/.test(input.paymentId)
    ? await getRecord(user.userId, 'PAY#', input.paymentId)
    : undefined;
  if (!payment || payment.status !== 'succeeded' || payment.kind !== 'top_up') {
    throw new NotFoundError('No such refundable payment for this user', 'payment_not_found');
  }
  const amount = Number(input.amount);
  const problem = await refundProblem(tenant, user.userId, payment, input.amount.trim(), amount);
  if (problem) throw new ValidationError([{ field: 'amount', message: problem }]);
  const stripe = await stripeFor(tenant);
  const refund = await callStripe(() =>
    stripe.refunds.create(
      { payment_intent: input.paymentId, amount, metadata: { user_id: user.userId, by: meta.by } },
      {
        idempotencyKey: `lambdalith-refund-${sha256Hex(`${input.paymentId}|${amount}|${payment.amount_refunded ?? 0}`)}`,
      },
    ),
  );
  await audit(meta, {
    tenantId: tenant.id,
    event: 'admin_billing_refund',
    outcome: 'success',
    userId: user.userId,
    detail: {
      payment: input.paymentId,
      refund: refund.id,
      amount,
      currency: String(payment.currency),
      by: meta.by,
    },
  });
  return { refundId: refund.id, amount };
}
