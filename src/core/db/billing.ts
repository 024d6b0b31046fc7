// Billing table, the single table of seed 003: per user (`pk` = the user id) their `BALANCE` (minor units, with a
// version), `LEDGER#<time>#<id>` entries (immutable), `BILLING` (their settings and Stripe customer), `PM#<id>`
// payment methods and `PAY#<id>` payments. Markers make an effect apply once: `CHG#<key>` (a charge's idempotency
// key) and `EVT#<id>` (a webhook event) with a TTL; `TOPUP#<payment>`, `REFUND#<refund>` and `INVOICE#<invoice>`
// for good, since Stripe's objects can be met again through any later event. A balance changes only in one
// transaction with its ledger entry and its markers: a conditional write on the balance's version (S47).
// BALANCE and LEDGER items also carry `site` and `site_sk`, the sparse site-index a site's summary and the
// reconciliation read.
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { clock } from '../clock';
import { tables } from '../config';
import { randomToken } from '../crypto';
import { BadRequestError } from '../errors';
import { documentClient } from './client';
import { cancellationCodes, isConditionFailed } from './conditions';

export type Balance = { amount: number; currency: string; version: number };
export type LedgerKind = 'charge' | 'top_up' | 'refund' | 'subscription' | 'dispute' | 'adjustment';
export type LedgerEntry = {
  id: string;
  at: string;
  /** Minor units: positive credits, negative debits. */
  amount: number;
  balanceAfter: number;
  kind: LedgerKind;
  ref?: string;
  description?: string;
  /** Where the money came from or went (`stripe`; PayPal and CCBill later); none for a charge of the balance. */
  provider?: string;
};
/**
 * Makes an entry apply once: the marker's key (under the user, or under `pk`), how long it is kept (for good
 * without), and what a repeat is answered with.
 */
export type Marker = { pk?: string; sk: string; ttlSeconds?: number; answer: Record<string, unknown> };

export class InsufficientFundsError extends Error {
  constructor(readonly balance: Balance) {
    super('insufficient funds');
    this.name = 'InsufficientFundsError';
  }
}

const table = () => tables().billing;
/** The site a user belongs to: their id is `<client>#<site>#<email>`. */
export const siteOfUser = (userId: string) => userId.split('#', 2).join('#');
const LEDGER_KEY = /^LEDGER#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[\w-]{8}$/;
// Contenders on one balance serialise by retrying; enough rounds for 50 at once, each after a short random wait.
const MAX_ROUNDS = 120;

export async function getBalance(userId: string): Promise<Balance | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: userId, sk: 'BALANCE' }, ConsistentRead: true }),
  );
  return Item
    ? { amount: Number(Item.amount), currency: String(Item.currency), version: Number(Item.version) }
    : undefined;
}

async function getMarker(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk, sk }, ConsistentRead: true }),
  );
  if (!Item || (Item.ttl !== undefined && Number(Item.ttl) <= clock.seconds())) return undefined;
  return (Item.answer ?? {}) as Record<string, unknown>;
}

/** Whether any of these markers is already there (and its answer). */
async function firstMarker(userId: string, markers: Marker[]) {
  for (const m of markers) {
    const answer = await getMarker(m.pk ?? userId, m.sk);
    if (answer) return answer;
  }
  return undefined;
}

/** Whether the marker is there (an event already handled, say). */
export const hasMarker = async (pk: string, sk: string) => (await getMarker(pk, sk)) !== undefined;

/** Sets a marker on its own, where no ledger entry carried it (an event that moved no balance); kept if there. */
export async function putMarker(userId: string, marker: Marker): Promise<void> {
  await documentClient
    .send(
      new PutCommand({
        TableName: table(),
        Item: markerItem(userId, marker, {}),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    )
    .catch((error) => {
      if (!isConditionFailed(error)) throw error;
    });
}

function markerItem(userId: string, m: Marker, extra: Record<string, unknown>) {
  return {
    pk: m.pk ?? userId,
    sk: m.sk,
    answer: { ...m.answer, ...extra },
    ...(m.ttlSeconds === undefined ? {} : { ttl: clock.seconds() + m.ttlSeconds }),
  };
}

/**
 * Posts one ledger entry and moves the balance by its amount, atomically. With markers, a repeat (any marker is
 * there) changes nothing and answers `{repeat: answer}`. Refuses a debit below zero unless `allowNegative`.
 */
export async function postLedgerEntry(
  userId: string,
  input: {
    amount: number;
    currency: string;
    kind: LedgerKind;
    ref?: string;
    description?: string;
    provider?: string;
  },
  options: { markers?: Marker[]; allowNegative?: boolean } = {},
): Promise<{ entry: LedgerEntry; balance: Balance } | { repeat: Record<string, unknown> }> {
  const { markers = [], allowNegative = false } = options;
  const site = siteOfUser(userId);
  const seen = await firstMarker(userId, markers);
  if (seen) return { repeat: seen };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const current = await getBalance(userId);
    const version = current?.version ?? 0;
    const after = (current?.amount ?? 0) + input.amount;
    const currency = current?.currency ?? input.currency;
    if (after < 0 && input.amount < 0 && !allowNegative) {
      throw new InsufficientFundsError(current ?? { amount: 0, currency, version });
    }
    const at = new Date(clock.now()).toISOString();
    const entry: LedgerEntry = {
      id: randomToken(6),
      at,
      amount: input.amount,
      balanceAfter: after,
      kind: input.kind,
    };
    if (input.ref) entry.ref = input.ref;
    if (input.provider) entry.provider = input.provider;
    if (input.description) entry.description = input.description;
    const balance: Balance = { amount: after, currency, version: version + 1 };
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table(),
                Item: {
                  pk: userId,
                  sk: 'BALANCE',
                  ...balance,
                  updated_at: at,
                  site,
                  site_sk: `BALANCE#${userId}`,
                },
                ConditionExpression: current ? 'version = :v' : 'attribute_not_exists(pk)',
                ExpressionAttributeValues: current ? { ':v': version } : undefined,
              },
            },
            {
              Put: {
                TableName: table(),
                Item: {
                  pk: userId,
                  sk: `LEDGER#${at}#${entry.id}`,
                  ...ledgerItem(entry),
                  site,
                  site_sk: `LEDGER#${at}#${entry.id}`,
                  user_id: userId,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...markers.map((m) => ({
              Put: {
                TableName: table(),
                Item: {
                  ...markerItem(userId, m, { balance: { amount: after, currency } }),
                  entry_id: entry.id,
                },
                ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
                ExpressionAttributeNames: { '#ttl': 'ttl' },
                ExpressionAttributeValues: { ':now': clock.seconds() },
              },
            })),
          ],
        }),
      );
      return { entry, balance };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const [balanceCode, , ...markerCodes] = cancellationCodes(error);
      if (markerCodes.includes('ConditionalCheckFailed')) {
        const answer = await firstMarker(userId, markers);
        if (answer) return { repeat: answer };
      } else if (balanceCode !== 'ConditionalCheckFailed') {
        throw error;
      }
      // Another entry moved the balance first: read it again, after a moment.
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 15));
    }
  }
  throw new Error(`balance of ${userId} kept changing`);
}

/** An entry as stored, and as the API shows it (the same fields). */
export function ledgerItem(e: LedgerEntry) {
  return {
    id: e.id,
    at: e.at,
    amount: e.amount,
    balance_after: e.balanceAfter,
    kind: e.kind,
    ref: e.ref,
    description: e.description,
    provider: e.provider,
  };
}

/** A user's ledger, newest first, a page at a time (`next` is the cursor for the following page). */
export async function listLedger(
  userId: string,
  { limit = 50, cursor }: { limit?: number; cursor?: string } = {},
): Promise<{ entries: LedgerEntry[]; next?: string }> {
  if (cursor !== undefined && !LEDGER_KEY.test(cursor)) {
    throw new BadRequestError('That page link is not valid; start from the first page', 'invalid_cursor');
  }
  const out = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :u AND begins_with(sk, :ledger)',
      ExpressionAttributeValues: { ':u': userId, ':ledger': 'LEDGER#' },
      ScanIndexForward: false,
      Limit: limit,
      ExclusiveStartKey: cursor ? { pk: userId, sk: cursor } : undefined,
    }),
  );
  return {
    entries: (out.Items ?? []).map((i) => ({
      id: String(i.id),
      at: String(i.at),
      amount: Number(i.amount),
      balanceAfter: Number(i.balance_after),
      kind: i.kind as LedgerKind,
      ref: i.ref as string | undefined,
      description: i.description as string | undefined,
      provider: i.provider as string | undefined,
    })),
    next: out.LastEvaluatedKey?.sk as string | undefined,
  };
}

/** The sum of a user's whole ledger (reconciliation: it must equal the balance). */
export async function sumLedger(userId: string): Promise<number> {
  let sum = 0;
  let cursor: string | undefined;
  do {
    const page = await listLedger(userId, { limit: 500, cursor });
    for (const e of page.entries) sum += e.amount;
    cursor = page.next;
  } while (cursor);
  return sum;
}

/** A user's records of one kind (`PM#` payment methods, `PAY#` payments), as the API shows each (its `data`). */
export async function listRecords(
  userId: string,
  prefix: 'PM#' | 'PAY#',
): Promise<Record<string, unknown>[]> {
  const out = await documentClient.send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :u AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':u': userId, ':p': prefix },
      ScanIndexForward: false,
      Limit: 100,
    }),
  );
  return (out.Items ?? []).map((i) => (i.data ?? {}) as Record<string, unknown>);
}

/** A payment method or payment as the provider last said it was (refetched, so the last write is the truth). */
export async function putRecord(
  userId: string,
  prefix: 'PM#' | 'PAY#',
  id: string,
  data: Record<string, unknown>,
): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: table(),
      Item: { pk: userId, sk: `${prefix}${id}`, data, updated_at: new Date(clock.now()).toISOString() },
    }),
  );
}

export async function deleteRecord(userId: string, prefix: 'PM#' | 'PAY#', id: string): Promise<void> {
  await documentClient.send(
    new DeleteCommand({ TableName: table(), Key: { pk: userId, sk: `${prefix}${id}` } }),
  );
}

export async function getRecord(
  userId: string,
  prefix: 'PM#' | 'PAY#',
  id: string,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: userId, sk: `${prefix}${id}` }, ConsistentRead: true }),
  );
  return Item?.data as Record<string, unknown> | undefined;
}

export type UserBillingSettings = { displayCurrency?: string; receipts: boolean };
export type BillingProfile = UserBillingSettings & {
  stripeCustomerId?: string;
  subscription?: Record<string, unknown>;
};

/** The user's `BILLING` item: their settings (display currency, receipts), Stripe customer and subscription. */
export async function getBillingProfile(userId: string): Promise<BillingProfile> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: userId, sk: 'BILLING' }, ConsistentRead: true }),
  );
  return {
    displayCurrency: Item?.display_currency as string | undefined,
    receipts: Item?.receipts === true,
    stripeCustomerId: Item?.stripe_customer_id as string | undefined,
    subscription: Item?.subscription as Record<string, unknown> | undefined,
  };
}

/**
 * Records the user's Stripe customer: the first one claimed stays (`replace` for one Stripe no longer knows).
 * Returns the customer now on record.
 */
export async function claimStripeCustomer(
  userId: string,
  customerId: string,
  replace = false,
): Promise<string> {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: table(),
        Key: { pk: userId, sk: 'BILLING' },
        UpdateExpression: 'SET stripe_customer_id = :c',
        ConditionExpression: replace ? undefined : 'attribute_not_exists(stripe_customer_id)',
        ExpressionAttributeValues: { ':c': customerId },
      }),
    );
    return customerId;
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    return (await getBillingProfile(userId)).stripeCustomerId ?? customerId;
  }
}

export async function setSubscription(userId: string, subscription: Record<string, unknown>): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: { pk: userId, sk: 'BILLING' },
      UpdateExpression: 'SET subscription = :s',
      ExpressionAttributeValues: { ':s': subscription },
    }),
  );
}

type SiteItem = Record<string, unknown>;
/** Pages through a site's items on the site-index whose `site_sk` lies in [from, to] (or begins with `from`). */
async function siteItems(site: string, from: string, to: string | undefined, cap: number) {
  const items: SiteItem[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        IndexName: 'site-index',
        KeyConditionExpression: to
          ? 'site = :s AND site_sk BETWEEN :a AND :b'
          : 'site = :s AND begins_with(site_sk, :a)',
        ExpressionAttributeValues: { ':s': site, ':a': from, ...(to ? { ':b': to } : {}) },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start && items.length < cap);
  return { items: items.slice(0, cap), complete: !start };
}

/** A site's ledger entries since `fromIso`, oldest first, with whose they are. */
export async function siteLedgerSince(site: string, fromIso: string, cap = 20_000) {
  const { items, complete } = await siteItems(site, `LEDGER#${fromIso}`, 'LEDGER#~', cap);
  return {
    entries: items.map((i) => ({
      userId: String(i.user_id ?? i.pk),
      kind: i.kind as LedgerKind,
      amount: Number(i.amount),
      at: String(i.at),
      ref: i.ref as string | undefined,
    })),
    complete,
  };
}

/** Every balance on a site (reconciliation, the console's summary). */
export async function siteBalances(site: string, cap = 100_000) {
  const { items, complete } = await siteItems(site, 'BALANCE#', undefined, cap);
  return {
    balances: items.map((i) => ({
      userId: String(i.pk),
      amount: Number(i.amount),
      currency: String(i.currency),
    })),
    complete,
  };
}

/** Sets the user's settings, leaving whatever else the `BILLING` item holds (their Stripe customer, later). */
export async function putUserBillingSettings(userId: string, s: UserBillingSettings): Promise<void> {
  await documentClient.send(
    new UpdateCommand({
      TableName: table(),
      Key: { pk: userId, sk: 'BILLING' },
      UpdateExpression: `SET receipts = :r, updated_at = :now ${s.displayCurrency ? ', display_currency = :c' : 'REMOVE display_currency'}`,
      ExpressionAttributeValues: {
        ':r': s.receipts,
        ':now': new Date(clock.now()).toISOString(),
        ...(s.displayCurrency ? { ':c': s.displayCurrency } : {}),
      },
    }),
  );
}
