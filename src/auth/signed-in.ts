// The answer to every successful sign-in (password, MFA code, enrollment at sign-in): the seed's login body, and
// the session cookies in cookie mode.
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { Tenant } from '../core/db/tenants';
import type { User } from '../core/db/users';
import { setSessionCookies } from './cookies';
import type { SignInStep } from './login';
import { type IssuedTokens, tokenBody } from './session-tokens';

/** The answer to a first factor (login, a sign-in link): the second step the user owes, or the session. */
export const signInStepAnswer = (c: Context<AppEnv>, tenant: Tenant, step: SignInStep) =>
  step.mfa ? c.json(step.mfa) : c.json(signedInBody(c, tenant, step.user, step.issued));

export function signedInBody(c: Context<AppEnv>, tenant: Tenant, user: User, issued: IssuedTokens) {
  setSessionCookies(c, tenant, issued);
  return { ...tokenBody(issued), user: { user_id: user.userId, email: user.email, name: user.name } };
}
