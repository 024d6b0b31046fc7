// Billing table, the single table of seed 003: per user (`pk` = the user id) their `BALANCE` (minor units, with a
// version), `LEDGER#<time>#<id>` entries (immutable), and later `BILLING`, `PM#`, `PAY#`; `CHG#<key>` and `EVT#<id>`
// markers (TTL) make a charge or a webhook event apply once. A balance changes only in one transaction with its
// ledger entry (and the marker, when there is one): a conditional write on the balance's version (S47).
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { clock } from '../clock';
import { tables } from '../config';
import { randomToken } from '../crypto';
import { BadRequestError } from '../errors';
import { documentClient } from './client';
import { cancellationCodes, isConditionFailed } from './conditions';

export type Balance = { amount: number; currency: string; version: number };
export type LedgerKind = 'charge' | 'top_up' | 'refund' | 'subscription' | 'adjustment';
export type LedgerEntry = {
  id: string;
  at: string;
  /** Minor units: positive credits, negative debits. */
  amount: number;
  balanceAfter: number;
  kind: LedgerKind;
  ref?: string;
  description?: string;
};
/** Makes an entry apply once: the marker's key, how long it is kept, and what a repeat is answered with. */
export type Marker = { sk: string; ttlSeconds: number; answer: Record<string, unknown> };

export class InsufficientFundsError extends Error {
  constructor(readonly balance: Balance) {
    super('insufficient funds');
    this.name = 'InsufficientFundsError';
  }
}

const table = () => tables().billing;
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

async function getMarker(userId: string, sk: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: userId, sk }, ConsistentRead: true }),
  );
  if (!Item || Number(Item.ttl) <= clock.seconds()) return undefined;
  return Item.answer as Record<string, unknown>;
}

/**
 * Posts one ledger entry and moves the balance by its amount, atomically. With a marker, a repeat (the marker is
 * there) changes nothing and answers `{repeat: answer}`. Refuses a debit below zero unless `allowNegative`.
 */
export async function postLedgerEntry(
  userId: string,
  input: { amount: number; currency: string; kind: LedgerKind; ref?: string; description?: string },
  options: { marker?: Marker; allowNegative?: boolean } = {},
): Promise<{ entry: LedgerEntry; balance: Balance } | { repeat: Record<string, unknown> }> {
  const { marker, allowNegative = false } = options;
  if (marker) {
    const answer = await getMarker(userId, marker.sk);
    if (answer) return { repeat: answer };
  }
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
    if (input.description) entry.description = input.description;
    const balance: Balance = { amount: after, currency, version: version + 1 };
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table(),
                Item: { pk: userId, sk: 'BALANCE', ...balance, updated_at: at },
                ConditionExpression: current ? 'version = :v' : 'attribute_not_exists(pk)',
                ExpressionAttributeValues: current ? { ':v': version } : undefined,
              },
            },
            {
              Put: {
                TableName: table(),
                Item: { pk: userId, sk: `LEDGER#${at}#${entry.id}`, ...ledgerItem(entry) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            ...(marker
              ? [
                  {
                    Put: {
                      TableName: table(),
                      Item: {
                        pk: userId,
                        sk: marker.sk,
                        answer: { ...marker.answer, balance: { amount: after, currency } },
                        entry_id: entry.id,
                        ttl: clock.seconds() + marker.ttlSeconds,
                      },
                      ConditionExpression: 'attribute_not_exists(pk) OR #ttl <= :now',
                      ExpressionAttributeNames: { '#ttl': 'ttl' },
                      ExpressionAttributeValues: { ':now': clock.seconds() },
                    },
                  },
                ]
              : []),
          ],
        }),
      );
      return { entry, balance };
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
      const [balanceCode, , markerCode] = cancellationCodes(error);
      if (marker && markerCode === 'ConditionalCheckFailed') {
        const answer = await getMarker(userId, marker.sk);
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

export type UserBillingSettings = { displayCurrency?: string; receipts: boolean };

/** The user's own billing settings (`BILLING`): how amounts are shown to them, and whether receipts are emailed. */
export async function getUserBillingSettings(userId: string): Promise<UserBillingSettings> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { pk: userId, sk: 'BILLING' }, ConsistentRead: true }),
  );
  return { displayCurrency: Item?.display_currency as string | undefined, receipts: Item?.receipts === true };
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
