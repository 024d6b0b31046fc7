// CSRF for server-rendered forms (S36): a double-submit token in a __Host- cookie and a hidden field, and
// requests a browser marks cross-site refused outright.

import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { randomToken } from '../core/crypto';
import { ForbiddenError } from '../core/errors';

const COOKIE = '__Host-csrf';

/** The token to put in the form; sets the cookie when the browser has none yet. */
export function csrfToken(c: Context): string {
  const existing = getCookie(c, COOKIE);
  if (existing && /^[\w-]{43}$/.test(existing)) return existing;
  const token = randomToken();
  // __Host-: Secure, Path=/, no Domain, so no sibling subdomain can plant one.
  setCookie(c, COOKIE, token, { httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
  return token;
}

export function assertCsrf(c: Context, submitted: unknown): void {
  if (c.req.header('sec-fetch-site') === 'cross-site') {
    throw new ForbiddenError('Cross-site form submissions are refused', 'csrf_failed');
  }
  const cookie = getCookie(c, COOKIE);
  // Compared as bytes: a field of other characters can have the cookie's length in UTF-16 but not in bytes.
  const given = Buffer.from(typeof submitted === 'string' ? submitted : '', 'utf8');
  const expected = Buffer.from(cookie ?? '', 'utf8');
  const ok = expected.length > 0 && given.length === expected.length && timingSafeEqual(given, expected);
  if (!ok) throw new ForbiddenError('The form expired; reload the page and try again', 'csrf_failed');
}
