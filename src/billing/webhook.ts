// Stripe's webhooks for a site (S41): POST /billing/webhook/{client_id}/{site_id}. The signature is checked on the raw
// body, as received, with the site's own signing secret and Stripe's 300 s tolerance (stripe.webhooks.constructEvent);
// anything unsigned, wrongly signed or stale is a 400 that changes nothing. A completed checkout credits the user's
// balance with its ledger entry and the event's EVT# marker in one transaction, so a replayed event (Stripe retries
// for days, and duplicates happen) changes the balance once. An event about another site's user changes nothing.
import { audit, type RequestMeta } from '../core/audit';
import { postLedgerEntry } from '../core/db/billing';
import type { Tenant } from '../core/db/tenants';
import { BadRequestError } from '../core/errors';
import { logger } from '../core/log';
import { createTtlCache } from '../core/ttl-cache';
import { STRIPE_WEBHOOK_SECRET, stripeSecrets } from './stripe-account';

export const WEBHOOK_TOLERANCE_SECONDS = 300;
// Stripe retries for up to three days; markers outlive that.
const EVENT_MARKER_SECONDS = 7 * 86_400;

type CheckoutSession = {
  id: string;
  mode?: string;
  payment_status?: string;
  amount_total?: number | null;
  currency?: string | null;
  client_reference_id?: string | null;
  metadata?: Record<string, string> | null;
};

export type WebhookOutcome = { received: true; applied?: string; ignored?: string };

let stripeModule: Promise<typeof import('stripe')> | undefined;

// Read once a minute per container, not per delivery: a flood of forged posts costs no Secrets Manager call each,
// and a rotated secret (Stripe signs with both during a rotation) is in use within the minute.
const secrets = createTtlCache<string | undefined>({ maxEntries: 500 });
async function signingSecret(tenantId: string): Promise<string | undefined> {
  const hit = secrets.get(tenantId);
  if (hit) return hit.value;
  const secret = await stripeSecrets.read(tenantId, STRIPE_WEBHOOK_SECRET);
  secrets.set(tenantId, secret, 60_000);
  return secret;
}

/** The verified event, or a 400 (no secret set, no signature, a wrong or stale one). */
async function verifiedEvent(tenant: Tenant, rawBody: Buffer, signature: string | undefined) {
  const secret = await signingSecret(tenant.id);
  if (!secret || !signature)
    throw new BadRequestError('Missing or invalid Stripe signature', 'invalid_signature');
  stripeModule ??= import('stripe');
  const { default: Stripe } = await stripeModule;
  try {
    return Stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
  } catch {
    throw new BadRequestError('Missing or invalid Stripe signature', 'invalid_signature');
  }
}

export async function handleStripeWebhook(
  tenant: Tenant,
  rawBody: Buffer,
  signature: string | undefined,
  meta: RequestMeta,
): Promise<WebhookOutcome> {
  const event = await verifiedEvent(tenant, rawBody, signature);
  if (event.type !== 'checkout.session.completed') return { received: true, ignored: 'event_type' };
  const session = event.data.object as CheckoutSession;
  const userId = session.metadata?.user_id ?? session.client_reference_id ?? '';
  // S41: only this site's users; the site's own signing secret already proves the account is the site's.
  if (!userId.startsWith(`${tenant.id}#`)) {
    logger.warn('stripe event names a user of another site; ignored', {
      event_id: event.id,
      tenant: tenant.id,
    });
    return { received: true, ignored: 'foreign_customer' };
  }
  if (session.mode !== 'payment' || session.payment_status !== 'paid' || !session.amount_total) {
    return { received: true, ignored: 'not_a_paid_top_up' };
  }
  const result = await postLedgerEntry(
    userId,
    {
      amount: session.amount_total,
      currency: (session.currency ?? 'usd').toLowerCase(),
      kind: 'top_up',
      ref: session.id,
      description: 'Top-up',
    },
    { marker: { sk: `EVT#${event.id}`, ttlSeconds: EVENT_MARKER_SECONDS, answer: { event: event.id } } },
  );
  if ('repeat' in result) return { received: true, ignored: 'duplicate' };
  await audit(meta, {
    tenantId: tenant.id,
    event: 'billing_top_up',
    outcome: 'success',
    userId,
    detail: { amount: session.amount_total, currency: result.balance.currency, stripe_event: event.id },
  });
  return { received: true, applied: event.id };
}
