// Email receipts (a user's `receipts` setting, PUT /billing/settings): each top-up, refund, charge and subscription
// credit that moved their balance is receipted through the durable email queue, in the site's name. The money has
// already moved when this runs, so a failure to queue is logged and never undoes or fails the payment.
import { getBillingProfile, type LedgerEntry } from '../core/db/billing';
import type { Tenant } from '../core/db/tenants';
import { getUser } from '../core/db/users';
import { logger } from '../core/log';
import { enqueueTenantEmail } from '../email';
import { formatMoney } from './money';

const WHAT: Record<string, string> = {
  top_up: 'Top-up',
  refund: 'Refund',
  charge: 'Charge',
  subscription: 'Subscription payment',
  dispute: 'Disputed payment',
  adjustment: 'Adjustment',
};

export async function sendReceipt(tenant: Tenant, userId: string, entry: LedgerEntry, currency: string) {
  try {
    if (!(await getBillingProfile(userId)).receipts) return;
    const user = await getUser(userId);
    if (!user) return;
    const what = WHAT[entry.kind] ?? 'Balance change';
    const amount = formatMoney(Math.abs(entry.amount), currency);
    await enqueueTenantEmail(tenant, 'notification', user.email, {
      title: `Receipt: ${what.toLowerCase()} of ${amount}`,
      message: [
        `${what}: ${entry.amount < 0 ? '-' : ''}${amount}${entry.description ? ` (${entry.description})` : ''}`,
        `Balance after: ${formatMoney(entry.balanceAfter, currency)}`,
        `When: ${entry.at}`,
        `Reference: ${entry.ref ?? entry.id}`,
      ].join('\n'),
    });
  } catch (error) {
    logger.error('could not queue a billing receipt', { tenant: tenant.id, entry: entry.id, error });
  }
}
