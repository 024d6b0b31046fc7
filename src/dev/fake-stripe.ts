// A local stand-in for Stripe, for the tests and `make dev` only (S50): the real `stripe` SDK talks to it (its host,
// port and protocol options) and it keeps state per account (secret key): customers, prices, Checkout Sessions,
// payment intents, charges, refunds, payment methods, subscriptions, invoices and Customer Portal sessions. Like
// Stripe it answers form-encoded requests with JSON objects and `{error}` bodies, honours Idempotency-Key, and
// signs each event it delivers (Stripe-Signature: t=...,v1=HMAC-SHA256 of "t.body" with the endpoint's secret).
// Deliveries can be held and released in any order, so out-of-order and duplicate events are tested for real.
// `pages` is the customer's side (hosted checkout, portal) and /dev/stripe, which lists sessions and events.
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Context, Hono } from 'hono';
import { escapeHtml } from '../core/html';

type StripeObject = Record<string, unknown> & { id: string; object: string };
type Account = { secretKey: string; webhookSecret: string; endpoint?: string };
type Delivery = { eventId: string; at: string; status: number };
type Stored = StripeObject & { _account: string };
type State = { accounts: Account[]; objects: Stored[]; events: string[]; deliveries: Delivery[] };

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const now = () => Math.floor(Date.now() / 1000);
const API_VERSION = '2025-10-29.clover';

/** Stripe's form encoding (`a[b][0][c]=v`) back into objects and arrays; every leaf is a string. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = out as Record<string, unknown>;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else {
        node[part] ??= /^\d+$/.test(path[i + 1] as string) ? [] : {};
        node = node[part] as Record<string, unknown>;
      }
    });
  }
  return out;
}

/** The header Stripe sends with an event: `t=<seconds>,v1=<hex HMAC-SHA256 of "t.payload">`. */
export function stripeSignature(payload: string, secret: string, at = now()): string {
  return `t=${at},v1=${createHmac('sha256', secret).update(`${at}.${payload}`).digest('hex')}`;
}

class StripeFault extends Error {
  constructor(
    readonly status: number,
    readonly body: { type: string; message: string; code?: string; param?: string },
  ) {
    super(body.message);
  }
}
const missing = (kind: string, id: string, param = 'id') =>
  new StripeFault(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${kind}: '${id}'`,
  });
const invalid = (message: string, param?: string) =>
  new StripeFault(400, { type: 'invalid_request_error', message, param });

export type FakeStripeOptions = {
  /** Where the customer-facing pages are served (make dev: http://localhost:3000/dev/stripe). */
  pagesBase: string;
  /** Keep state across restarts of make dev's server. */
  stateFile?: string;
};

export function createFakeStripe(options: FakeStripeOptions) {
  const accounts = new Map<string, Account>();
  const objects = new Map<string, Stored>();
  const eventOrder: string[] = [];
  const deliveries: Delivery[] = [];
  const idempotent = new Map<string, Promise<{ status: number; body: unknown }>>();
  const pending = new Set<Promise<unknown>>();
  const held: string[] = [];
  let holding = false;
  let failures = 0;

  if (options.stateFile && existsSync(options.stateFile)) {
    const state = JSON.parse(readFileSync(options.stateFile, 'utf8')) as State;
    for (const a of state.accounts) accounts.set(a.secretKey, a);
    for (const o of state.objects) objects.set(o.id, o);
    eventOrder.push(...state.events);
    deliveries.push(...state.deliveries);
  }
  let saveTimer: NodeJS.Timeout | undefined;
  const changed = () => {
    if (!options.stateFile || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      const state: State = {
        accounts: [...accounts.values()],
        objects: [...objects.values()],
        events: eventOrder,
        deliveries: deliveries.slice(-500),
      };
      const file = options.stateFile as string;
      try {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(state));
      } catch (error) {
        // Losing the local state on a reload is a nuisance; taking the dev server down would be worse.
        console.error(`[fake-stripe] could not save ${file}:`, error);
      }
    }, 50);
    saveTimer.unref();
  };

  const view = (o: Stored | undefined): StripeObject | undefined => {
    if (!o) return undefined;
    const { _account, ...rest } = o;
    return structuredClone(rest) as StripeObject;
  };
  const put = (account: string, o: StripeObject): Stored => {
    const stored = { ...o, _account: account } as Stored;
    objects.set(o.id, stored);
    changed();
    return stored;
  };
  const get = (account: string, kind: string, id: string, param = 'id'): Stored => {
    const o = objects.get(id);
    if (!o || o._account !== account || o.object !== kind) throw missing(kind.replace(/_/g, ' '), id, param);
    return o;
  };
  const list = (account: string, kind: string, where: (o: Stored) => boolean) =>
    [...objects.values()].filter((o) => o._account === account && o.object === kind && where(o));

  async function deliver(eventId: string): Promise<number> {
    const event = objects.get(eventId);
    const account = event ? accounts.get(event._account) : undefined;
    if (!event || !account?.endpoint) return 0;
    const payload = JSON.stringify(view(event), null, 2);
    let status = 0;
    // Stripe retries for days with backoff; a few quick tries are the local version of that.
    for (let attempt = 0; attempt < 3 && !(status >= 200 && status < 300); attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 100 * attempt));
      status = await fetch(account.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': stripeSignature(payload, account.webhookSecret),
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
      })
        .then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        })
        .catch(() => 0);
      deliveries.push({ eventId, at: new Date().toISOString(), status });
    }
    changed();
    return status;
  }
  const track = <T>(p: Promise<T>) => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  function emit(account: string, type: string, object: Stored, previous?: Record<string, unknown>) {
    const event = put(account, {
      id: `evt_${hex(12)}`,
      object: 'event',
      type,
      api_version: API_VERSION,
      created: now(),
      livemode: false,
      pending_webhooks: 1,
      data: { object: view(object), ...(previous ? { previous_attributes: previous } : {}) },
    });
    eventOrder.push(event.id);
    if (holding) held.push(event.id);
    else void track(deliver(event.id));
    return event.id;
  }

  function newPaymentMethod(account: string, customer: string) {
    const pm = put(account, {
      id: `pm_${hex(12)}`,
      object: 'payment_method',
      type: 'card',
      customer,
      created: now(),
      card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: new Date().getFullYear() + 3 },
      billing_details: {},
    });
    emit(account, 'payment_method.attached', pm);
    return pm;
  }

  function newPayment(
    account: string,
    p: {
      amount: number;
      currency: string;
      customer: string;
      metadata: unknown;
      pm: string;
      invoice?: string;
    },
  ) {
    const piId = `pi_${hex(12)}`;
    const charge = put(account, {
      id: `ch_${hex(12)}`,
      object: 'charge',
      amount: p.amount,
      amount_captured: p.amount,
      amount_refunded: 0,
      refunded: false,
      paid: true,
      status: 'succeeded',
      currency: p.currency,
      customer: p.customer,
      payment_intent: piId,
      payment_method: p.pm,
      created: now(),
    });
    const pi = put(account, {
      id: piId,
      object: 'payment_intent',
      amount: p.amount,
      amount_received: p.amount,
      currency: p.currency,
      customer: p.customer,
      status: 'succeeded',
      metadata: p.metadata ?? {},
      payment_method: p.pm,
      latest_charge: charge.id,
      invoice: p.invoice ?? null,
      created: now(),
    });
    emit(account, 'payment_intent.succeeded', pi);
    return pi;
  }

  function newInvoice(account: string, subscription: Stored, amount: number, currency: string, pm: string) {
    const id = `in_${hex(12)}`;
    const pi = newPayment(account, {
      amount,
      currency,
      customer: subscription.customer as string,
      metadata: {},
      pm,
      invoice: id,
    });
    const invoice = put(account, {
      id,
      object: 'invoice',
      customer: subscription.customer,
      subscription: subscription.id,
      status: 'paid',
      amount_due: amount,
      amount_paid: amount,
      currency,
      payment_intent: pi.id,
      billing_reason: 'subscription_cycle',
      created: now(),
    });
    return { invoice, eventId: emit(account, 'invoice.paid', invoice) };
  }

  /** The customer pays (or is declined): the objects a real payment makes, and their events in Stripe's order. */
  function completeCheckout(sessionId: string, { decline = false } = {}): { event_id: string } {
    const session = objects.get(sessionId);
    if (!session || session.object !== 'checkout.session') throw missing('checkout session', sessionId);
    if (session.status !== 'open') throw invalid(`This Checkout Session is ${session.status}`);
    const account = session._account;
    const customer = session.customer as string;
    if (decline) {
      const pi = put(account, {
        id: `pi_${hex(12)}`,
        object: 'payment_intent',
        amount: session.amount_total,
        amount_received: 0,
        currency: session.currency,
        customer,
        status: 'requires_payment_method',
        metadata: (session._payment_intent_data as { metadata?: unknown })?.metadata ?? {},
        last_payment_error: { code: 'card_declined', message: 'Your card was declined.' },
        invoice: null,
        created: now(),
      });
      return { event_id: emit(account, 'payment_intent.payment_failed', pi) };
    }
    const pm = newPaymentMethod(account, customer);
    if (session.mode === 'payment') {
      const pi = newPayment(account, {
        amount: session.amount_total as number,
        currency: session.currency as string,
        customer,
        metadata: (session._payment_intent_data as { metadata?: unknown })?.metadata,
        pm: pm.id,
      });
      session.payment_intent = pi.id;
    } else {
      const price = objects.get(session._price as string) as Stored;
      const subscription = put(account, {
        id: `sub_${hex(12)}`,
        object: 'subscription',
        customer,
        status: 'active',
        cancel_at_period_end: false,
        current_period_end: now() + 30 * 86_400,
        metadata: (session._subscription_data as { metadata?: unknown })?.metadata ?? {},
        items: {
          object: 'list',
          data: [{ id: `si_${hex(8)}`, object: 'subscription_item', price: view(price) }],
        },
        created: now(),
      });
      emit(account, 'customer.subscription.created', subscription);
      const { invoice } = newInvoice(
        account,
        subscription,
        price.unit_amount as number,
        price.currency as string,
        pm.id,
      );
      session.subscription = subscription.id;
      session.invoice = invoice.id;
    }
    Object.assign(session, { status: 'complete', payment_status: 'paid' });
    changed();
    return { event_id: emit(account, 'checkout.session.completed', session) };
  }

  /** The next period of a subscription is paid: a new invoice, and invoice.paid. */
  function renewSubscription(subscriptionId: string): { event_id: string } {
    const sub = objects.get(subscriptionId);
    if (!sub || sub.object !== 'subscription') throw missing('subscription', subscriptionId);
    const price = (sub.items as { data: { price: StripeObject }[] }).data[0]?.price as StripeObject;
    const pm = list(sub._account, 'payment_method', (o) => o.customer === sub.customer)[0];
    sub.current_period_end = (sub.current_period_end as number) + 30 * 86_400;
    const { eventId } = newInvoice(
      sub._account,
      sub,
      price.unit_amount as number,
      price.currency as string,
      pm?.id ?? '',
    );
    return { event_id: eventId };
  }

  function refund(account: string, body: Record<string, unknown>) {
    const pi = body.payment_intent
      ? get(account, 'payment_intent', String(body.payment_intent), 'payment_intent')
      : undefined;
    const charge = get(account, 'charge', String(body.charge ?? pi?.latest_charge ?? ''), 'charge');
    const remaining = (charge.amount as number) - (charge.amount_refunded as number);
    const amount = body.amount === undefined ? remaining : Number(body.amount);
    if (!Number.isInteger(amount) || amount <= 0) throw invalid('Invalid positive integer', 'amount');
    if (amount > remaining) {
      throw new StripeFault(400, {
        type: 'invalid_request_error',
        code: 'charge_already_refunded',
        message: `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        param: 'amount',
      });
    }
    const refund = put(account, {
      id: `re_${hex(12)}`,
      object: 'refund',
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      status: 'succeeded',
      reason: body.reason ?? null,
      metadata: body.metadata ?? {},
      created: now(),
    });
    charge.amount_refunded = (charge.amount_refunded as number) + amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    emit(account, 'charge.refunded', charge);
    return refund;
  }

  /** The cardholder disputes a payment: Stripe withdraws the amount at once (returned if the dispute is won). */
  function dispute(account: string, paymentIntent: string) {
    const pi = get(account, 'payment_intent', paymentIntent, 'payment_intent');
    const charge = get(account, 'charge', String(pi.latest_charge), 'charge');
    const d = put(account, {
      id: `dp_${hex(12)}`,
      object: 'dispute',
      amount: charge.amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: pi.id,
      status: 'needs_response',
      reason: 'fraudulent',
      created: now(),
    });
    charge.disputed = true;
    emit(account, 'charge.dispute.created', d);
    emit(account, 'charge.dispute.funds_withdrawn', d);
    return d;
  }

  function closeDispute(id: string, won: boolean) {
    const d = objects.get(id);
    if (!d || d.object !== 'dispute') throw missing('dispute', id);
    d.status = won ? 'won' : 'lost';
    emit(d._account, 'charge.dispute.closed', d);
    if (won) emit(d._account, 'charge.dispute.funds_reinstated', d);
    return d;
  }

  function detach(account: string, id: string) {
    const pm = get(account, 'payment_method', id);
    const customer = pm.customer;
    if (!customer) throw invalid('The payment method you provided is not attached to a customer');
    pm.customer = null;
    emit(account, 'payment_method.detached', pm, { customer });
    return pm;
  }

  // ---- the API, as the SDK calls it ----
  const api = new Hono<{ Variables: { account: string } }>();
  const fault = (c: Context, e: unknown) => {
    if (e instanceof StripeFault) return c.json({ error: e.body }, e.status as 400);
    throw e;
  };
  api.onError((e, c) => fault(c, e));
  api.use('/v1/*', async (c, next) => {
    if (failures > 0) {
      failures--;
      return c.json(
        { error: { type: 'api_error', message: 'An unexpected error occurred (injected)' } },
        500,
      );
    }
    const key = (c.req.header('authorization') ?? '').replace(/^Bearer\s+/i, '');
    if (!accounts.has(key)) {
      return c.json(
        { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: ****' } },
        401,
      );
    }
    c.set('account', key);
    const idem = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || !idem) return next();
    // Concurrent requests with one key wait for the first and get its answer, as with Stripe.
    const slot = `${key}:${idem}`;
    const known = idempotent.get(slot);
    if (known) {
      const { status, body } = await known;
      return c.json(body, status as 200, { 'idempotent-replayed': 'true' });
    }
    let settle: (v: { status: number; body: unknown }) => void = () => undefined;
    idempotent.set(slot, new Promise((r) => (settle = r)));
    await next();
    settle({ status: c.res.status, body: await c.res.clone().json() });
  });
  const form = async (c: Context) => parseStripeForm(await c.req.text());
  const acct = (c: Context) => c.get('account') as string;
  const listOf = (c: Context, data: Stored[]) =>
    c.json({ object: 'list', data: data.map(view), has_more: false, url: c.req.path });
  const one = (c: Context, o: Stored) => c.json(view(o));

  api.post('/v1/customers', async (c) => {
    const b = await form(c);
    return one(
      c,
      put(acct(c), {
        id: `cus_${hex(12)}`,
        object: 'customer',
        email: b.email ?? null,
        name: b.name ?? null,
        metadata: b.metadata ?? {},
        created: now(),
        livemode: false,
      }),
    );
  });
  for (const [path, kind] of [
    ['customers', 'customer'],
    ['prices', 'price'],
    ['checkout/sessions', 'checkout.session'],
    ['payment_intents', 'payment_intent'],
    ['charges', 'charge'],
    ['refunds', 'refund'],
    ['payment_methods', 'payment_method'],
    ['subscriptions', 'subscription'],
    ['invoices', 'invoice'],
    ['disputes', 'dispute'],
    ['events', 'event'],
  ] as const) {
    api.get(`/v1/${path}/:id`, (c) => one(c, get(acct(c), kind, c.req.param('id'))));
  }
  api.get('/v1/refunds', (c) => {
    const pi = c.req.query('payment_intent');
    return listOf(
      c,
      list(acct(c), 'refund', (r) => !pi || r.payment_intent === pi),
    );
  });
  api.get('/v1/customers/:id/payment_methods', (c) => {
    const customer = get(acct(c), 'customer', c.req.param('id')).id;
    return listOf(
      c,
      list(acct(c), 'payment_method', (p) => p.customer === customer),
    );
  });
  api.post('/v1/refunds', async (c) => one(c, refund(acct(c), await form(c))));
  api.post('/v1/payment_methods/:id/detach', (c) => one(c, detach(acct(c), c.req.param('id'))));
  api.post('/v1/checkout/sessions', async (c) => {
    const b = await form(c);
    const account = acct(c);
    if (b.mode !== 'payment' && b.mode !== 'subscription') throw invalid('Invalid mode', 'mode');
    for (const param of ['success_url', 'cancel_url'] as const) {
      if (typeof b[param] !== 'string' || !URL.canParse(b[param] as string))
        throw invalid('Not a valid URL', param);
    }
    const customer = get(account, 'customer', String(b.customer ?? ''), 'customer').id;
    const items = (b.line_items ?? []) as Record<string, Record<string, unknown> & { price_data?: never }>[];
    if (items.length !== 1)
      throw invalid('One line item, please (this fake sells one thing at a time)', 'line_items');
    const item = items[0] as Record<string, unknown>;
    let amount: number;
    let currency: string;
    let priceId: string | undefined;
    if (item.price) {
      const price = get(account, 'price', String(item.price), 'line_items[0][price]');
      const recurring = Boolean(price.recurring);
      if (recurring !== (b.mode === 'subscription')) {
        throw invalid(
          recurring
            ? 'You specified `payment` mode but passed a recurring price.'
            : 'You must provide at least one recurring price in `subscription` mode.',
          'line_items',
        );
      }
      ({ unit_amount: amount, currency } = price as unknown as { unit_amount: number; currency: string });
      priceId = price.id;
    } else {
      const data = (item.price_data ?? {}) as Record<string, unknown>;
      amount = Number(data.unit_amount);
      currency = String(data.currency ?? '');
      if (!Number.isInteger(amount) || amount < 50) throw invalid('Amount must be at least 50', 'line_items');
      if (b.mode !== 'payment') throw invalid('price_data needs payment mode here', 'mode');
    }
    const id = `cs_test_${hex(16)}`;
    return one(
      c,
      put(account, {
        id,
        object: 'checkout.session',
        mode: b.mode,
        status: 'open',
        payment_status: 'unpaid',
        amount_total: amount * Number(item.quantity ?? 1),
        currency,
        customer,
        client_reference_id: b.client_reference_id ?? null,
        metadata: b.metadata ?? {},
        success_url: b.success_url,
        cancel_url: b.cancel_url,
        url: `${options.pagesBase}/checkout/${id}`,
        payment_intent: null,
        subscription: null,
        invoice: null,
        created: now(),
        expires_at: now() + 86_400,
        _payment_intent_data: b.payment_intent_data,
        _subscription_data: b.subscription_data,
        _price: priceId,
      }),
    );
  });
  api.post('/v1/billing_portal/sessions', async (c) => {
    const b = await form(c);
    const customer = get(acct(c), 'customer', String(b.customer ?? ''), 'customer').id;
    const id = `bps_${hex(12)}`;
    return one(
      c,
      put(acct(c), {
        id,
        object: 'billing_portal.session',
        customer,
        return_url: b.return_url ?? null,
        url: `${options.pagesBase}/portal/${id}`,
        created: now(),
      }),
    );
  });
  api.all('/v1/*', (c) =>
    c.json(
      {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${c.req.method}: ${c.req.path})`,
        },
      },
      404,
    ),
  );

  // ---- the customer's side, and the dev pages ----
  const pages = new Hono();
  const base = new URL(options.pagesBase).pathname.replace(/\/+$/, '');
  pages.onError((e, c) => fault(c, e));
  const money = (amount: unknown, currency: unknown) =>
    `${(Number(amount) / 100).toFixed(2)} ${String(currency ?? '').toUpperCase()}`;
  const page = (c: Context, title: string, body: string) => {
    // Its own small stylesheet inline; nothing else loads or runs.
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    return c.html(
      `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>body{font:15px system-ui;max-width:60rem;margin:2rem auto}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}form{display:inline}</style><h1>${escapeHtml(title)}</h1>${body}`,
    );
  };

  pages.get(base, (c) => {
    const sessions = [...objects.values()].filter((o) => o.object === 'checkout.session').reverse();
    const events = eventOrder
      .slice(-100)
      .reverse()
      .map((id) => objects.get(id) as Stored);
    const statusOf = (id: string) =>
      deliveries.filter((d) => d.eventId === id).map((d) => d.status || 'no answer');
    return page(
      c,
      'Local Stripe (make dev only)',
      `<p>The stand-in for api.stripe.com: the demo site's checkouts, their events and each delivery to the webhook.</p>
<h2>Checkout Sessions</h2><table><tr><th>Session</th><th>Mode</th><th>Amount</th><th>Status</th><th></th></tr>${sessions
        .map(
          (s) =>
            `<tr><td><code>${escapeHtml(s.id)}</code></td><td>${escapeHtml(String(s.mode))}</td><td>${money(s.amount_total, s.currency)}</td><td>${escapeHtml(String(s.status))}</td><td>${
              s.status === 'open' ? `<a href="${base}/checkout/${escapeHtml(s.id)}">Pay</a>` : ''
            }</td></tr>`,
        )
        .join('')}</table>
<h2>Events</h2><table><tr><th>Event</th><th>Type</th><th>Deliveries</th><th></th></tr>${events
        .map(
          (e) =>
            `<tr><td><code>${escapeHtml(e.id)}</code></td><td>${escapeHtml(String(e.type))}</td><td>${statusOf(e.id).join(', ') || (held.includes(e.id) ? 'held' : '')}</td><td><form method="post" action="${base}/events/${escapeHtml(e.id)}/resend"><button>Resend</button></form></td></tr>`,
        )
        .join('')}</table>`,
    );
  });
  pages.get(`${base}/checkout/:id`, (c) => {
    const s = objects.get(c.req.param('id'));
    if (!s || s.object !== 'checkout.session') return c.text('No such Checkout Session', 404);
    const action = `${base}/checkout/${escapeHtml(s.id)}/pay`;
    return page(
      c,
      'Checkout (local Stripe)',
      s.status !== 'open'
        ? `<p>This session is ${escapeHtml(String(s.status))}.</p><p><a href="${escapeHtml(String(s.success_url))}">Back to the site</a></p>`
        : `<p>${s.mode === 'subscription' ? 'Subscribe' : 'Top up'}: <strong>${money(s.amount_total, s.currency)}</strong></p>
<p>Card <code>4242 4242 4242 4242</code>, any future date.</p>
<form method="post" action="${action}"><button name="outcome" value="pay">Pay</button> <button name="outcome" value="decline">Decline the card</button></form>
<p><a href="${escapeHtml(String(s.cancel_url))}">Cancel</a></p>`,
    );
  });
  pages.post(`${base}/checkout/:id/pay`, async (c) => {
    const outcome = (await c.req.parseBody()).outcome;
    const s = objects.get(c.req.param('id'));
    completeCheckout(c.req.param('id'), { decline: outcome === 'decline' });
    await idle();
    if (outcome === 'decline') return c.redirect(`${base}/checkout/${c.req.param('id')}`, 303);
    return c.redirect(String(s?.success_url).replace('{CHECKOUT_SESSION_ID}', c.req.param('id')), 303);
  });
  pages.post(`${base}/checkout/:id/complete`, async (c) => {
    const result = completeCheckout(c.req.param('id'));
    await idle();
    return c.json(result);
  });
  pages.post(`${base}/events/:id/resend`, async (c) => {
    const event = objects.get(c.req.param('id'));
    if (!event || event.object !== 'event') return c.json({ error: 'no such event' }, 404);
    const status = await track(deliver(event.id));
    if (c.req.header('accept')?.includes('text/html')) return c.redirect(base, 303);
    return c.json({ event_id: event.id, delivered: status >= 200 && status < 300, status });
  });
  pages.get(`${base}/portal/:id`, (c) => {
    const session = objects.get(c.req.param('id'));
    if (!session || session.object !== 'billing_portal.session') return c.text('No such portal session', 404);
    const methods = list(session._account, 'payment_method', (p) => p.customer === session.customer);
    return page(
      c,
      'Billing portal (local Stripe)',
      `<h2>Payment methods</h2><ul>${
        methods
          .map((m) => {
            const card = m.card as { brand: string; last4: string };
            return `<li>${escapeHtml(card.brand)} •••• ${escapeHtml(card.last4)} <form method="post" action="${base}/portal/${escapeHtml(session.id)}/detach/${escapeHtml(m.id)}"><button>Remove</button></form></li>`;
          })
          .join('') || '<li>None</li>'
      }</ul><p><a href="${escapeHtml(String(session.return_url ?? '/'))}">Return to the site</a></p>`,
    );
  });
  pages.post(`${base}/portal/:id/detach/:pm`, async (c) => {
    const session = objects.get(c.req.param('id'));
    if (!session || session.object !== 'billing_portal.session') return c.text('No such portal session', 404);
    const pm = get(session._account, 'payment_method', c.req.param('pm'));
    if (pm.customer !== session.customer) return c.text('Not yours', 403);
    detach(session._account, pm.id);
    await idle();
    return c.redirect(`${base}/portal/${session.id}`, 303);
  });

  /** Every delivery started so far has finished. */
  async function idle() {
    while (pending.size) await Promise.allSettled([...pending]);
  }

  return {
    api,
    pages,
    /** An account (a site's Stripe account): its secret key, the endpoint's signing secret and URL. */
    addAccount(account: Account) {
      accounts.set(account.secretKey, account);
      changed();
    },
    /** A price in an account (recurring with `interval`). */
    addPrice(
      secretKey: string,
      p: {
        id?: string;
        unit_amount: number;
        currency: string;
        interval?: 'month' | 'year';
        product?: string;
      },
    ) {
      return view(
        put(secretKey, {
          id: p.id ?? `price_${hex(12)}`,
          object: 'price',
          unit_amount: p.unit_amount,
          currency: p.currency,
          type: p.interval ? 'recurring' : 'one_time',
          recurring: p.interval ? { interval: p.interval, interval_count: 1 } : null,
          product: p.product ?? `prod_${hex(8)}`,
          active: true,
        }),
      ) as StripeObject;
    },
    /** A customer made outside our app (another site's, say). */
    addCustomer(secretKey: string, metadata: Record<string, string>) {
      return view(
        put(secretKey, { id: `cus_${hex(12)}`, object: 'customer', metadata, email: null, created: now() }),
      ) as StripeObject;
    },
    completeCheckout,
    renewSubscription,
    /** A refund as the dashboard makes one (charge.refunded follows). */
    refund: (secretKey: string, paymentIntent: string, amount?: number) =>
      view(refund(secretKey, { payment_intent: paymentIntent, amount })) as StripeObject,
    detachPaymentMethod: (secretKey: string, id: string) => view(detach(secretKey, id)) as StripeObject,
    /** A chargeback on a payment (charge.dispute.created and .funds_withdrawn follow). */
    dispute: (secretKey: string, paymentIntent: string) =>
      view(dispute(secretKey, paymentIntent)) as StripeObject,
    /** The dispute is decided (charge.dispute.closed, and .funds_reinstated when won). */
    closeDispute: (id: string, won: boolean) => view(closeDispute(id, won)) as StripeObject,
    object: (id: string) => view(objects.get(id)),
    /** Events of an account, oldest first (optionally of one type). */
    events: (secretKey: string, type?: string) =>
      eventOrder
        .map((id) => objects.get(id) as Stored)
        .filter((e) => e._account === secretKey && (!type || e.type === type))
        .map((e) => view(e) as StripeObject),
    deliveries: (eventId: string) => deliveries.filter((d) => d.eventId === eventId),
    /** The next `times` API requests fail with a 500, as in an outage (the SDK retries twice by itself). */
    failNext(times: number) {
      failures = times;
    },
    /** Hold deliveries (true) to release them later, one by one and in any order, with deliver(). */
    hold(on: boolean) {
      holding = on;
    },
    held: () => [...held],
    deliver: (eventId: string) => {
      const i = held.indexOf(eventId);
      if (i >= 0) held.splice(i, 1);
      return track(deliver(eventId));
    },
    /** The raw JSON and a valid signature for an event, as Stripe would send it now. */
    signed(eventId: string): { payload: string; signature: string } {
      const event = objects.get(eventId) as Stored;
      const payload = JSON.stringify(view(event), null, 2);
      const account = accounts.get(event._account) as Account;
      return { payload, signature: stripeSignature(payload, account.webhookSecret) };
    },
    idle,
  };
}

export type FakeStripe = ReturnType<typeof createFakeStripe>;
