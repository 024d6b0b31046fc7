// SMS and email codes (S25): 6 CSPRNG digits, 10 minutes, one outstanding per user (a resend voids the last),
// stored only as a keyed digest bound to the user and purpose, spent atomically.
import { randomInt } from 'node:crypto';
import { clock } from '../../core/clock';
import { type CodePurpose, consumeCode, storeCode } from '../../core/db/user-factors';
import { keyedDigest } from '../../core/sealed';

export const CODE_SECONDS = 600;
const CODE_DIGITS = 6;

const digestOf = (userId: string, purpose: CodePurpose, code: string) =>
  keyedDigest(`${userId}\n${purpose}\n${code}`);

/** A fresh code for this purpose; the caller delivers it and must never log it. */
export async function issueCode(userId: string, purpose: CodePurpose): Promise<string> {
  const code = String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
  const stored = await storeCode(userId, {
    purpose,
    hash: await digestOf(userId, purpose, code),
    expiresAt: clock.seconds() + CODE_SECONDS,
  });
  if (!stored) throw new Error('user vanished while issuing a code');
  return code;
}

/** True once for the outstanding, unexpired code of this purpose; false for anything else. */
export async function acceptCode(userId: string, purpose: CodePurpose, code: string): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false;
  return consumeCode(userId, purpose, await digestOf(userId, purpose, code), clock.seconds());
}
