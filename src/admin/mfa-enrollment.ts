// Setting up the console's authenticator at sign-in, for admins who must have one and do not yet: the password
// earns an enrollment-only token (no session); the first code from the app turns TOTP on and starts the session.

import {
  activateTotpFactor,
  type Enroller,
  enrollerFromEnrollmentToken,
  issueEnrollmentChallenge,
  pendingTotpSetup,
  setupTotp,
} from '../auth';
import type { RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { spendToken } from '../core/db/blacklist';
import { getUser, type User } from '../core/db/users';
import { UnauthorizedError } from '../core/errors';
import { isAdmin } from '../core/roles';
import { type ConsoleSignIn, consoleSignedIn } from './sign-in';

export type EnrollmentPage = { enroll_token: string; secret: string; qr_data_uri: string };

const asPage = (token: string, setup: { secret: string; qr_svg: string }): EnrollmentPage => ({
  enroll_token: token,
  secret: setup.secret,
  // An <img> under the console's CSP (img-src data:), so the SVG never becomes part of the page's markup.
  qr_data_uri: `data:image/svg+xml;base64,${Buffer.from(setup.qr_svg).toString('base64')}`,
});

/** After the password: a new seed waiting for its first code, and the token that lets the next form finish. */
export async function startConsoleEnrollment(
  { user, tenant }: ConsoleSignIn,
  meta: RequestMeta,
): Promise<EnrollmentPage> {
  const tenantId = tenant.id;
  const who: Enroller = { userId: user.userId, tenant, tenantId, signedInAt: clock.seconds() };
  const { mfa_token } = await issueEnrollmentChallenge(user, tenantId, 'console');
  return asPage(mfa_token, await setupTotp(who, undefined, meta));
}

const signInAgain = () => new UnauthorizedError('That took too long; sign in again', 'enrollment_expired');

async function enrollerOf(token: string): Promise<Enroller> {
  return enrollerFromEnrollmentToken(token, 'console').catch(() => {
    throw signInAgain();
  });
}

/** The same page again (after a wrong code), while the token lasts. */
export async function consoleEnrollmentAgain(token: string): Promise<EnrollmentPage> {
  const setup = await pendingTotpSetup(await enrollerOf(token));
  if (!setup) throw signInAgain();
  return asPage(token, setup);
}

/** The first code turns TOTP on; returns the admin and their recovery codes (shown once). */
export async function finishConsoleEnrollment(
  token: string,
  code: string,
  meta: RequestMeta,
): Promise<{ user: User; recoveryCodes?: string[] }> {
  const who = await enrollerOf(token);
  const user = await getUser(who.userId);
  if (user?.status !== 'active' || !isAdmin(user)) throw signInAgain();
  const activated = await activateTotpFactor(who, code, undefined, meta);
  // Spent before the session starts: two posts of one form start one session.
  if (who.enrollmentToken && !(await spendToken(who.enrollmentToken.jti, who.enrollmentToken.exp))) {
    throw signInAgain();
  }
  await consoleSignedIn(user, meta);
  return { user, recoveryCodes: activated.recovery_codes };
}
