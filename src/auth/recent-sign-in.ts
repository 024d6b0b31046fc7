// S27: changing how an account signs in (factors, linked providers, passkeys) rests on a recent sign-in.

import type { AuthContext } from '../app-env';
import { clock } from '../core/clock';
import { ForbiddenError } from '../core/errors';

/** How recent: a sign-in within 10 minutes. */
export const RECENT_SIGN_IN_SECONDS = 600;

export function assertRecentSignIn(auth: AuthContext, what: string): void {
  if (clock.seconds() - Date.parse(auth.session.createdAt) / 1000 > RECENT_SIGN_IN_SECONDS) {
    throw new ForbiddenError(`Sign in again to ${what}`, 'reauthentication_required');
  }
}
