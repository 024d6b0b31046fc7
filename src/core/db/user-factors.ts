// The Users table's two-factor attributes: TOTP seeds (sealed), SMS phones (sealed), email codes, the one
// outstanding one-time code, and recovery code digests. Every change is one conditional update of the user item.
import type { SessionKind } from './sessions';
import { endSessionsUpdate, type User, updateUser, userExists } from './users';

/** Second factors. Secrets are sealed (AES-GCM), recovery codes kept as SHA-256 digests only. */
export type UserMfa = {
  totpSecret?: string;
  totpPendingSecret?: string;
  /** Codes tried against the pending seed; enrollment allows a few (CODE_TRIES) before it must start again. */
  totpPendingTries?: number;
  /** The last TOTP time step accepted: a code is good once per step (S23). */
  totpLastStep?: number;
  /** The phone for SMS codes (E.164), sealed; and one waiting for its first code. */
  smsPhone?: string;
  smsPendingPhone?: string;
  /** Codes by email to the account's address. */
  email?: boolean;
  /** The one outstanding SMS/email code: a new one replaces it (S25), so a resend voids the last. */
  otp?: PendingCode;
  recoveryHashes: string[];
};

/** Why a one-time code was sent; a code is only good for its own purpose. */
export type CodePurpose = 'login_sms' | 'login_email' | 'enroll_sms' | 'enroll_email';
export type PendingCode = { purpose: CodePurpose; hash: string; expiresAt: number; tries?: number };

export const FACTORS = ['totp', 'sms', 'email'] as const;
export type Factor = (typeof FACTORS)[number];
/** Each factor's attribute: present means enrolled. */
const FACTOR_ATTRIBUTE: Record<Factor, string> = {
  totp: 'mfa_totp_secret',
  sms: 'mfa_sms_phone',
  email: 'mfa_email',
};
const noFactorLeft = Object.values(FACTOR_ATTRIBUTE)
  .map((a) => `attribute_not_exists(${a})`)
  .join(' AND ');
const anyFactor = Object.values(FACTOR_ATTRIBUTE)
  .map((a) => `attribute_exists(${a})`)
  .join(' OR ');

export const factorsOf = (user: User): Factor[] => [
  ...(user.mfa.totpSecret ? (['totp'] as const) : []),
  ...(user.mfa.smsPhone ? (['sms'] as const) : []),
  ...(user.mfa.email ? (['email'] as const) : []),
];

/** Stores a TOTP seed waiting for its first code (setup); replaces any earlier pending one and its tries. */
export async function setPendingTotp(userId: string, sealedSecret: string): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET mfa_totp_pending = :s REMOVE mfa_totp_pending_tries',
    values: { ':s': sealedSecret },
  });
}

/**
 * Takes one try at an enrollment code before it is checked, so parallel guesses cannot exceed `max`: at the
 * pending TOTP seed, or at the outstanding SMS/email code of `purpose`. False once they are used up.
 */
export function takeCodeTry(
  userId: string,
  target: { totpPending: string } | { purpose: CodePurpose },
  max: number,
): Promise<boolean> {
  if ('totpPending' in target) {
    return updateUser(userId, {
      update: 'ADD mfa_totp_pending_tries :one',
      condition:
        'mfa_totp_pending = :s AND (attribute_not_exists(mfa_totp_pending_tries) OR mfa_totp_pending_tries < :max)',
      values: { ':one': 1, ':s': target.totpPending, ':max': max },
    });
  }
  return updateUser(userId, {
    update: 'ADD mfa_otp.tries :one',
    condition: 'mfa_otp.purpose = :purpose AND (attribute_not_exists(mfa_otp.tries) OR mfa_otp.tries < :max)',
    values: { ':one': 1, ':purpose': target.purpose, ':max': max },
  });
}

/** Makes the pending seed the active one, if it is still the one the code was checked against. */
export function activateTotp(
  userId: string,
  sealedSecret: string,
  step: number,
  recoveryHashes: string[] | undefined,
): Promise<boolean> {
  return activateFactor(userId, {
    set: 'mfa_totp_secret = :s, mfa_totp_last_step = :step',
    remove: 'mfa_totp_pending, mfa_totp_pending_tries',
    condition: 'mfa_totp_pending = :s',
    values: { ':s': sealedSecret, ':step': step },
    recoveryHashes,
  });
}

/** Stores a phone waiting for its first SMS code; replaces any earlier pending one. */
export function setPendingSms(userId: string, sealedPhone: string): Promise<boolean> {
  return updateUser(userId, { update: 'SET mfa_sms_pending = :p', values: { ':p': sealedPhone } });
}

/** Makes the pending phone the SMS factor, if it is still the one the code went to. */
export function activateSms(
  userId: string,
  sealedPhone: string,
  recoveryHashes: string[] | undefined,
): Promise<boolean> {
  return activateFactor(userId, {
    set: 'mfa_sms_phone = :p',
    remove: 'mfa_sms_pending',
    condition: 'mfa_sms_pending = :p',
    values: { ':p': sealedPhone },
    recoveryHashes,
  });
}

export function activateEmailFactor(userId: string, recoveryHashes: string[] | undefined): Promise<boolean> {
  return activateFactor(userId, {
    set: 'mfa_email = :true',
    condition: userExists,
    values: { ':true': true },
    recoveryHashes,
  });
}

/** One factor on; the first factor also brings the recovery codes (never replacing an existing set). */
function activateFactor(
  userId: string,
  f: {
    set: string;
    remove?: string;
    condition: string;
    values: Record<string, unknown>;
    recoveryHashes: string[] | undefined;
  },
): Promise<boolean> {
  const values = { ...f.values };
  let set = f.set;
  let condition = f.condition;
  if (f.recoveryHashes) {
    set += ', mfa_recovery = :codes';
    values[':codes'] = new Set(f.recoveryHashes);
    condition += ' AND attribute_not_exists(mfa_recovery)';
  }
  return updateUser(userId, {
    update: `SET ${set}${f.remove ? ` REMOVE ${f.remove}` : ''}`,
    condition,
    values,
  });
}

/** Replaces the outstanding one-time code (S25: a resend voids the previous one). */
export function storeCode(userId: string, code: PendingCode): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET mfa_otp = :otp',
    values: { ':otp': { purpose: code.purpose, hash: code.hash, expires_at: code.expiresAt } },
  });
}

/** Spends the outstanding code if it is this one, for this purpose and unexpired: once, even under races. */
export function consumeCode(
  userId: string,
  purpose: CodePurpose,
  hash: string,
  now: number,
): Promise<boolean> {
  return updateUser(userId, {
    update: 'REMOVE mfa_otp',
    condition: 'mfa_otp.purpose = :purpose AND mfa_otp.#hash = :hash AND mfa_otp.expires_at > :now',
    names: { '#hash': 'hash' },
    values: { ':purpose': purpose, ':hash': hash, ':now': now },
  });
}

/** Accepts a TOTP time step once: of concurrent uses of one code, one wins (S23). */
export async function consumeTotpStep(userId: string, step: number): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET mfa_totp_last_step = :step',
    condition:
      'attribute_exists(mfa_totp_secret) AND (attribute_not_exists(mfa_totp_last_step) OR mfa_totp_last_step < :step)',
    values: { ':step': step },
  });
}

/** Spends one recovery code (by digest) atomically; false when it is not (or no longer) there (S26). */
export async function consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
  return updateUser(userId, {
    update: 'DELETE mfa_recovery :code',
    condition: 'contains(mfa_recovery, :hash)',
    values: { ':code': new Set([codeHash]), ':hash': codeHash },
  });
}

const FACTOR_REMOVALS: Record<Factor, string> = {
  totp: 'mfa_totp_secret, mfa_totp_pending, mfa_totp_pending_tries, mfa_totp_last_step',
  sms: 'mfa_sms_phone, mfa_sms_pending',
  email: 'mfa_email',
};

/**
 * Turns one factor off and ends every other session in the same write (S16); when no factor is left the
 * recovery codes (which only make sense with one) go too.
 */
export async function removeFactor(
  userId: string,
  factor: Factor,
  keep?: { kind: SessionKind; sessionId: string },
): Promise<boolean> {
  const ended = endSessionsUpdate(keep);
  const removed = await updateUser(userId, {
    update: `SET ${ended.set} REMOVE ${FACTOR_REMOVALS[factor]}, mfa_otp`,
    condition: `attribute_exists(${FACTOR_ATTRIBUTE[factor]})`,
    values: ended.values,
  });
  if (removed) await updateUser(userId, { update: 'REMOVE mfa_recovery', condition: noFactorLeft });
  return removed;
}

/** Every factor and code off, and every session ended, at once: the console's "reset two-factor". */
export function removeAllFactors(userId: string): Promise<boolean> {
  const ended = endSessionsUpdate();
  return updateUser(userId, {
    update: `SET ${ended.set} REMOVE ${Object.values(FACTOR_REMOVALS).join(', ')}, mfa_otp, mfa_recovery`,
    values: ended.values,
  });
}

/** Replaces the whole set of recovery codes: the old ones stop working at once (S26). */
export async function replaceRecoveryCodes(userId: string, hashes: string[]): Promise<boolean> {
  return updateUser(userId, {
    update: 'SET mfa_recovery = :codes',
    condition: anyFactor,
    values: { ':codes': new Set(hashes) },
  });
}
