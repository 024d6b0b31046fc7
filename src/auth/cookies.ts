// Cookie mode (seed "Option A"): the access token and refresh token as HttpOnly cookies, for tenants that turn it on.
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Tenant } from '../core/db/tenants';
import { siteSettings } from '../core/tenant-settings';
import { AUTH_COOKIE } from '../middleware/authenticate';
import type { IssuedTokens } from './session-tokens';

export const REFRESH_COOKIE = 'refresh_token';
/** The refresh cookie goes only to the refresh route, not to every request. */
export const REFRESH_PATH = '/auth/token/refresh';

// SameSite=None because sites call us cross-site; Secure is then required, and HttpOnly keeps scripts out.
const base = { httpOnly: true, secure: true, sameSite: 'None' } as const;

export const cookieModeOn = (tenant: Tenant) => siteSettings(tenant).cookie_mode;

export function setSessionCookies(c: Context, tenant: Tenant, issued: IssuedTokens): void {
  if (!cookieModeOn(tenant)) return;
  setCookie(c, AUTH_COOKIE, issued.token, { ...base, path: '/', maxAge: issued.expiresIn });
  if (issued.refreshToken) {
    const lifetime = issued.session.absoluteExpiresAt - issued.session.lastActiveAt;
    setCookie(c, REFRESH_COOKIE, issued.refreshToken, { ...base, path: REFRESH_PATH, maxAge: lifetime });
  }
}

export function clearSessionCookies(c: Context): void {
  deleteCookie(c, AUTH_COOKIE, { ...base, path: '/' });
  deleteCookie(c, REFRESH_COOKIE, { ...base, path: REFRESH_PATH });
}

export const refreshCookie = (c: Context) => getCookie(c, REFRESH_COOKIE);
