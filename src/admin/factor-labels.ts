// How the console names a user's second factors.

import { factorsOf } from '../core/db/user-factors';
import type { User } from '../core/db/users';

const LABELS = { totp: 'authenticator app', sms: 'SMS', email: 'email codes' } as const;

export const factorLabelsOf = (user: User): string[] => [
  ...factorsOf(user).map((f) => LABELS[f]),
  ...(user.passkeyCount > 0 ? [user.passkeyCount === 1 ? 'a passkey' : `${user.passkeyCount} passkeys`] : []),
];
