// A site's server charges a user's prepaid balance (POST /billing/charge, a key with `billing:charge`): one ledger
// entry and the balance move together (S47), never below zero unless the site allows credit, and an idempotency key
// makes a retried charge apply once and answer the same (a different charge under the same key is a 409).
import * as z from 'zod';
import { audit, type RequestMeta } from '../core/audit';
import { sha256Hex } from '../core/crypto';
import { InsufficientFundsError, postLedgerEntry } from '../core/db/billing';
import type { Tenant } from '../core/db/tenants';
import { getUser } from '../core/db/users';
import { AppError, ConflictError, NotFoundError } from '../core/errors';
import { sendReceipt } from './receipts';
import { billingSettings } from './settings';

// A retry comes within minutes, a replayed batch within days: a week covers both.
const IDEMPOTENCY_SECONDS = 7 * 86_400;

export const chargeBody = z.object({
  user_id: z.string().min(1).max(400).describe("The user's id, as in their token's sub"),
  amount: z.number().int().positive().max(100_000_000).describe('Minor units (cents): a positive integer'),
  description: z.string().trim().min(1).max(200),
  idempotency_key: z
    .string()
    .regex(/^[\w.:-]{8,100}$/, '8 to 100 letters, digits, _ . : -')
    .describe('The same key charges once and answers the same again'),
});
export type ChargeInput = z.output<typeof chargeBody>;

export const balanceView = z.object({ amount: z.number().int(), currency: z.string() });

export class InsufficientFunds extends AppError {
  constructor(balance: { amount: number; currency: string }) {
    super(402, 'insufficient_funds', 'The balance does not cover this charge', { balance });
  }
}

export async function chargeUser(tenant: Tenant, input: ChargeInput, meta: RequestMeta) {
  // Another site's user, or nobody: the same 404 (S28).
  const user = input.user_id.startsWith(`${tenant.id}#`) ? await getUser(input.user_id) : undefined;
  if (!user || user.tenantId !== tenant.id)
    throw new NotFoundError('No such user on this site', 'user_not_found');
  const { currency, allow_credit } = billingSettings(tenant).billing;
  const fingerprint = sha256Hex(`${input.amount}|${input.description}`);
  let result: Awaited<ReturnType<typeof postLedgerEntry>>;
  try {
    result = await postLedgerEntry(
      user.userId,
      {
        amount: -input.amount,
        currency,
        kind: 'charge',
        ref: input.idempotency_key,
        description: input.description,
      },
      {
        markers: [
          { sk: `CHG#${input.idempotency_key}`, ttlSeconds: IDEMPOTENCY_SECONDS, answer: { fingerprint } },
        ],
        allowNegative: allow_credit,
      },
    );
  } catch (error) {
    if (error instanceof InsufficientFundsError) {
      throw new InsufficientFunds({ amount: error.balance.amount, currency: error.balance.currency });
    }
    throw error;
  }
  if ('repeat' in result) {
    if (result.repeat.fingerprint !== fingerprint) {
      throw new ConflictError(
        'This idempotency key was used for a different charge',
        'idempotency_key_reused',
      );
    }
    return { balance: result.repeat.balance as { amount: number; currency: string }, repeated: true };
  }
  // Together: the receipt's read of the user's setting costs the charge no round trip of its own.
  await Promise.all([
    audit(meta, {
      tenantId: tenant.id,
      event: 'billing_charge',
      outcome: 'success',
      userId: user.userId,
      detail: { amount: input.amount, currency: result.balance.currency, entry: result.entry.id },
    }),
    sendReceipt(tenant, user.userId, result.entry, result.balance.currency),
  ]);
  return { balance: { amount: result.balance.amount, currency: result.balance.currency }, repeated: false };
}
