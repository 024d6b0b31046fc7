// Stripe's webhooks for a site (S41): POST /billing/webhook/{client_id}/{site_id}. The signature is checked on the raw
// body, as received, with the site's own signing secret and Stripe's 300 s tolerance (stripe.webhooks.constructEvent);
// anything unsigned, wrongly signed or stale is a 400 that changes nothing. Stripe retries for days, sends
// duplicates and keeps no order, so an event is only a nudge: what it names is fetched again from the site's account
// (stripe-sync.ts) and the balance moves by what Stripe says now, once per payment, refund and invoice. The event's
// EVT# marker rides in the transaction of its last ledger entry (or alone, when it moved nothing): a replay is
// answered at once. An event about another site's customer changes nothing.
import type { RequestMeta } from '../core/audit';
import { hasMarker, type Marker, putMarker } from '../core/db/billing';
import type { Tenant } from '../core/db/tenants';
import { BadRequestError } from '../core/errors';
import { STRIPE_WEBHOOK_SECRET } from './stripe-account';
import { stripeFor, stripeSdk, stripeSecret } from './stripe-client';
import { applyPlan, handlerFor, type SyncContext } from './stripe-sync';

export const WEBHOOK_TOLERANCE_SECONDS = 300;
// Stripe retries for up to three days; markers outlive that.
const EVENT_MARKER_SECONDS = 7 * 86_400;

export type WebhookOutcome = { received: true; applied?: string; ignored?: string };

/** The verified event, or a 400 (no secret set, no signature, a wrong or stale one). */
async function verifiedEvent(tenant: Tenant, rawBody: Buffer, signature: string | undefined) {
  const secret = await stripeSecret(tenant.id, STRIPE_WEBHOOK_SECRET);
  if (!secret || !signature)
    throw new BadRequestError('Missing or invalid Stripe signature', 'invalid_signature');
  const Stripe = await stripeSdk();
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
  const handle = handlerFor(event.type);
  if (!handle) return { received: true, ignored: 'event_type' };
  const eventMarker: Marker = {
    pk: `STRIPE#${tenant.id}`,
    sk: `EVT#${event.id}`,
    ttlSeconds: EVENT_MARKER_SECONDS,
    answer: { event: event.id },
  };
  if (await hasMarker(eventMarker.pk as string, eventMarker.sk))
    return { received: true, ignored: 'duplicate' };
  const ctx: SyncContext = {
    tenant,
    stripe: await stripeFor(tenant),
    event: { id: event.id, previous: event.data.previous_attributes as Record<string, unknown> | undefined },
    meta,
    plan: [],
  };
  await handle(ctx, event.data.object as unknown as Record<string, unknown>);
  const { applied, markerSet } = await applyPlan(ctx, eventMarker);
  if (!markerSet) await putMarker(eventMarker.pk as string, eventMarker);
  if (applied > 0) return { received: true, applied: event.id };
  return { received: true, ignored: ctx.ignored ?? (ctx.plan.length ? 'duplicate' : 'nothing_to_change') };
}
