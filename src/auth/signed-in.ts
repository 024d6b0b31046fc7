// The answer to every successful sign-in (password, MFA code, enrollment at sign-in): the seed's login body, and
// the session cookies in cookie mode.
import type { Context } from 'hono';
import type { AppEnv } from '../app-env';
import type { Tenant } from '../core/db/tenants';
import type { User } from '../core/db/users';
import { setSessionCookies } from './cookies';
import { type IssuedTokens, tokenBody } from './session-tokens';

export function signedInBody(c: Context<AppEnv>, tenant: Tenant, user: User, issued: IssuedTokens) {
  setSessionCookies(c, tenant, issued);
  return { ...tokenBody(issued), user: { user_id: user.userId, email: user.email, name: user.name } };
}
