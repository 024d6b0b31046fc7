// The seed's /auth routes (byte-compatible bodies, new fields only added) plus password change.
import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { tenantIdOf } from '../core/db/tenants';
import { getUser } from '../core/db/users';
import { tenantResolver } from '../core/tenants';
import { documentRoute } from '../docs/registry';
import {
  assertCookieOrigin,
  assertSameTenantAsKey,
  authenticate,
  presentedToken,
  requireUser,
} from '../middleware/authenticate';
import { hasBody, jsonOnly } from '../middleware/json-body';
import { noStore } from '../middleware/no-store';
import { requestMeta } from '../middleware/request-meta';
import { assertScope, requireTenant } from '../middleware/tenant';
import { parseBody } from '../middleware/validate';
import { clearSessionCookies, refreshCookie, setSessionCookies } from './cookies';
import { confirmEmailVerification, resendVerification } from './email-verification';
import { loginWithPassword } from './login';
import { logout } from './logout';
import { changePassword } from './password-change';
import { confirmPasswordReset, requestPasswordReset } from './password-reset';
import { refreshFromAccessToken, rotateRefresh } from './refresh';
import { registerUser } from './register';
import {
  loginBody,
  loginResponse,
  messageResponse,
  passwordChangeBody,
  refreshBody,
  registerBody,
  registerResponse,
  resetConfirmBody,
  resetRequestBody,
  tokenResponse,
  validationErrorResponse,
  verifyConfirmBody,
  verifyResendBody,
} from './schemas';
import { tokenBody } from './session-tokens';
import { signedInBody } from './signed-in';

export const authRoutes = new Hono<AppEnv>();
authRoutes.use('/auth/*', noStore(), jsonOnly());

const invalid = {
  400: { description: 'Malformed JSON' },
  422: { description: 'Invalid fields', schema: validationErrorResponse },
};
const keyed = { 401: { description: 'Missing or invalid API key' } };

documentRoute({
  method: 'post',
  path: '/auth/register',
  tag: 'auth',
  summary: 'Register a user on the calling site',
  description:
    'An email already registered gets the same answer and its owner an email (unless the site chose 409).',
  security: ['apiKey'],
  body: registerBody,
  responses: {
    201: { description: 'Registered', schema: registerResponse },
    ...invalid,
    ...keyed,
    409: { description: 'Email taken (tenant setting)' },
    429: { description: 'Too many registrations' },
  },
});
authRoutes.post('/auth/register', requireTenant({ scope: 'auth' }), async (c) => {
  const input = await parseBody(c, registerBody);
  return c.json(await registerUser(c.var.tenantKey.tenant, input, requestMeta(c)), 201);
});

documentRoute({
  method: 'post',
  path: '/auth/login',
  tag: 'auth',
  summary: 'Sign in with email and password',
  description:
    'Starts a session (in cookie mode also sets auth_token and refresh_token cookies). A user with a second factor gets {mfa_required, mfa_token, methods} instead: finish with /auth/mfa/challenge and /auth/mfa/verify. Where the site requires MFA and the user has none: {mfa_enrollment_required, mfa_token, methods}, a token that can only enrol a factor (/auth/mfa/*/setup and /activate).',
  security: ['apiKey'],
  body: loginBody,
  responses: {
    200: {
      description: 'Signed in, or a second step',
      schema: z.union([
        loginResponse,
        z.object({ mfa_required: z.literal(true), mfa_token: z.string(), methods: z.array(z.string()) }),
        z.object({
          mfa_enrollment_required: z.literal(true),
          mfa_token: z.string(),
          methods: z.array(z.string()),
        }),
      ]),
    },
    ...invalid,
    401: { description: 'Invalid email or password, or API key' },
    429: { description: 'Locked or throttled; see Retry-After' },
  },
});
authRoutes.post('/auth/login', requireTenant({ scope: 'auth' }), async (c) => {
  const { email, password } = await parseBody(c, loginBody);
  const tenant = c.var.tenantKey.tenant;
  const { user, issued, mfa } = await loginWithPassword(tenant, email, password, requestMeta(c));
  if (mfa) return c.json(mfa);
  return c.json(signedInBody(c, tenant, user, issued));
});

documentRoute({
  method: 'post',
  path: '/auth/logout',
  tag: 'auth',
  summary: 'Sign out: revoke the access token and end its session',
  security: ['bearer', 'cookie'],
  responses: {
    200: { description: 'Logged out', schema: messageResponse },
    401: { description: 'Not authenticated' },
  },
});
authRoutes.post('/auth/logout', requireUser(), async (c) => {
  await logout(c.var.auth, requestMeta(c));
  clearSessionCookies(c);
  return c.json({ message: 'Logged out successfully' });
});

documentRoute({
  method: 'post',
  path: '/auth/token/refresh',
  tag: 'auth',
  summary: 'Get a new access token',
  description:
    'With {"refresh_token"} (or the refresh cookie) the refresh token rotates; a spent one ends the session. ' +
    'With only Authorization: Bearer <access token> (seed behaviour) a live session gets a fresh access token.',
  security: ['bearer', 'cookie'],
  body: refreshBody,
  bodyRequired: false,
  responses: {
    200: { description: 'New token(s)', schema: tokenResponse },
    ...invalid,
    401: { description: 'Invalid token or ended session' },
  },
});
authRoutes.post('/auth/token/refresh', async (c) => {
  const body = hasBody(c) ? await parseBody(c, refreshBody) : {};
  const fromCookie = body.refresh_token ? undefined : refreshCookie(c);
  const presented = body.refresh_token ?? fromCookie;
  if (presented) {
    const { issued, tenant } = await rotateRefresh(presented, requestMeta(c), {
      // Refused requests must not spend the token: a cross-site POST could otherwise burn it.
      beforeRotating: async (tenant) => {
        c.set('tenant', tenant);
        await assertSameTenantAsKey(c, tenantIdOf(tenant.clientId, tenant.siteId));
        if (fromCookie) assertCookieOrigin(c, tenant);
      },
    });
    setSessionCookies(c, tenant, issued);
    return c.json(tokenBody(issued));
  }
  const auth = await authenticate(c);
  const issued = await refreshFromAccessToken(auth);
  setSessionCookies(c, auth.tenant, issued);
  return c.json(tokenBody(issued));
});

documentRoute({
  method: 'post',
  path: '/auth/password-reset',
  tag: 'auth',
  summary: 'Email a password reset link',
  description: 'Answers the same whether or not the account exists; sends nothing for unknown addresses.',
  security: ['apiKey'],
  body: resetRequestBody,
  responses: {
    200: { description: 'Accepted', schema: messageResponse },
    ...invalid,
    ...keyed,
    429: { description: 'Too many requests' },
  },
});
authRoutes.post('/auth/password-reset', requireTenant({ scope: 'auth' }), async (c) => {
  const { email } = await parseBody(c, resetRequestBody);
  await requestPasswordReset(c.var.tenantKey.tenant, email, requestMeta(c));
  return c.json({ message: 'If account exists, reset email sent' });
});

documentRoute({
  method: 'post',
  path: '/auth/password-reset/confirm',
  tag: 'auth',
  summary: 'Set a new password with the emailed token',
  description: 'Single use; ends every session of the user. No API key needed (the token names the site).',
  body: resetConfirmBody,
  responses: {
    200: { description: 'Password reset', schema: messageResponse },
    400: { description: 'Invalid or expired token, or malformed JSON' },
    422: invalid[422],
  },
});
authRoutes.post('/auth/password-reset/confirm', async (c) => {
  const { token, new_password } = await parseBody(c, resetConfirmBody);
  // A site that also sends its key may only redeem its own users' tokens (S28).
  const apiKey = c.req.header('x-api-key');
  const keyTenant = apiKey === undefined ? undefined : (await tenantResolver().resolve(apiKey)).tenant;
  const expectedTenantId = keyTenant && tenantIdOf(keyTenant.clientId, keyTenant.siteId);
  await confirmPasswordReset(token, new_password, requestMeta(c), { expectedTenantId });
  return c.json({ message: 'Password reset successful' });
});

documentRoute({
  method: 'post',
  path: '/auth/password/change',
  tag: 'auth',
  summary: 'Change the password of the signed-in user',
  description: 'Needs the current password; ends every session and returns tokens for a new one.',
  security: ['bearer', 'cookie'],
  body: passwordChangeBody,
  responses: {
    200: { description: 'Changed', schema: tokenResponse.extend({ message: messageResponse.shape.message }) },
    ...invalid,
    401: { description: 'Not authenticated' },
    403: { description: 'Current password is incorrect' },
    429: { description: 'Locked' },
  },
});
authRoutes.post('/auth/password/change', requireUser(), async (c) => {
  const { current_password, new_password } = await parseBody(c, passwordChangeBody);
  const issued = await changePassword(c.var.auth, current_password, new_password, requestMeta(c));
  setSessionCookies(c, c.var.auth.tenant, issued);
  return c.json({ message: 'Password changed', ...tokenBody(issued) });
});

documentRoute({
  method: 'post',
  path: '/auth/verify-email/confirm',
  tag: 'auth',
  summary: 'Confirm an email address with the emailed token',
  description:
    "Single use. No API key needed (the token names the site); a key, if sent, must be that site's.",
  body: verifyConfirmBody,
  responses: {
    200: { description: 'Verified', schema: messageResponse },
    400: { description: 'Invalid or expired token' },
    422: invalid[422],
  },
});
authRoutes.post('/auth/verify-email/confirm', async (c) => {
  const { token } = await parseBody(c, verifyConfirmBody);
  const apiKey = c.req.header('x-api-key');
  const keyTenant = apiKey === undefined ? undefined : (await tenantResolver().resolve(apiKey)).tenant;
  await confirmEmailVerification(token, requestMeta(c), {
    expectedTenantId: keyTenant && tenantIdOf(keyTenant.clientId, keyTenant.siteId),
  });
  return c.json({ message: 'Email verified' });
});

documentRoute({
  method: 'post',
  path: '/auth/verify-email/resend',
  tag: 'auth',
  summary: 'Send another verification email',
  description:
    'Signed in: for yourself. Otherwise with the API key and {"email"}; the answer is the same for unknown addresses.',
  security: ['bearer', 'cookie', 'apiKey'],
  body: verifyResendBody,
  bodyRequired: false,
  responses: {
    202: { description: 'Accepted', schema: messageResponse },
    ...invalid,
    401: { description: 'Neither signed in nor a valid API key' },
    429: { description: 'Too many requests' },
  },
});
authRoutes.post('/auth/verify-email/resend', async (c) => {
  const meta = requestMeta(c);
  if (presentedToken(c)) {
    const auth = await authenticate(c);
    const user = await getUser(auth.userId);
    if (user) await resendVerification(auth.tenant, user.email, meta);
  } else {
    const resolved = await tenantResolver().resolve(c.req.header('x-api-key'));
    assertScope(resolved, 'auth');
    const { tenant } = resolved;
    c.set('tenant', tenant);
    const { email } = await parseBody(c, verifyResendBody.required());
    await resendVerification(tenant, email, meta);
  }
  return c.json({ message: 'If the account exists and is unverified, a verification email was sent' }, 202);
});
