// Which Stripe customer is which user. A user's customer is created on their first checkout or portal visit, with
// their user id in its metadata, and recorded in their BILLING item; the first one recorded stays, so fifty
// checkouts at once make one customer (Stripe's idempotency key) and record it once. An event names a customer;
// it is this site's user only if the customer, fetched from the site's own account, says so and the user's record
// names that same customer (S41): metadata alone could be edited in the dashboard.
import { sha256Hex } from '../core/crypto';
import { claimStripeCustomer, getBillingProfile } from '../core/db/billing';
import type { Tenant } from '../core/db/tenants';
import type { User } from '../core/db/users';
import { callStripe, isMissing, type StripeClient } from './stripe-client';

async function createCustomer(stripe: StripeClient, tenant: Tenant, user: User, attempt: string) {
  return callStripe(() =>
    stripe.customers.create(
      { email: user.email, metadata: { user_id: user.userId, site: tenant.id } },
      { idempotencyKey: `lambdalith-customer-${sha256Hex(`${user.userId}|${attempt}`)}` },
    ),
  );
}

/** The customer, or undefined when Stripe has no such (live) customer in this account. */
async function fetchCustomer(stripe: StripeClient, id: string) {
  const customer = await callStripe(() =>
    stripe.customers.retrieve(id).catch((error) => (isMissing(error) ? undefined : Promise.reject(error))),
  );
  return customer && !('deleted' in customer && customer.deleted) ? customer : undefined;
}

/** Stripe's answer that the customer passed is not in the account. */
class StaleCustomer extends Error {}
const namesMissingCustomer = (error: unknown) =>
  isMissing(error) && (error as { param?: string }).param === 'customer';

/**
 * Calls Stripe with the user's customer, made first when they have none. A customer on record that Stripe no longer
 * knows (deleted in the dashboard, a test account wiped) is replaced and the call made again, once: no call spent
 * checking the customer every time.
 */
export async function withCustomer<T>(
  stripe: StripeClient,
  tenant: Tenant,
  user: User,
  use: (customerId: string) => Promise<T>,
): Promise<T> {
  const known = (await getBillingProfile(user.userId)).stripeCustomerId;
  if (!known) {
    const customer = await createCustomer(stripe, tenant, user, 'first');
    return callStripe(async () => use(await claimStripeCustomer(user.userId, customer.id)));
  }
  try {
    return await callStripe(() =>
      use(known).catch((error) => Promise.reject(namesMissingCustomer(error) ? new StaleCustomer() : error)),
    );
  } catch (error) {
    if (!(error instanceof StaleCustomer)) throw error;
  }
  const fresh = await createCustomer(stripe, tenant, user, known);
  return callStripe(async () => use(await claimStripeCustomer(user.userId, fresh.id, true)));
}

/** The user of this site the customer is, or undefined (another site's, unknown, or not on record as theirs). */
export async function userOfCustomer(
  stripe: StripeClient,
  tenant: Tenant,
  customerId: string | null | undefined,
): Promise<string | undefined> {
  if (!customerId) return undefined;
  const customer = await fetchCustomer(stripe, customerId);
  if (!customer) return undefined;
  const userId = customer.metadata?.user_id ?? '';
  if (!userId.startsWith(`${tenant.id}#`)) return undefined;
  const recorded = (await getBillingProfile(userId)).stripeCustomerId;
  return recorded === customerId ? userId : undefined;
}
