// /auth: sign-up and sign-in for the sites' users: the seed's routes (byte-compatible bodies, new fields only
// added), password change, email verification, and two-factor sign-in (./mfa).
import * as z from 'zod';
import { defineRoute } from '../docs';
import { actFor } from '../middleware/acting-tenant';
import {
  apiKeyTenantId,
  assertCookieOrigin,
  assertSameTenantAsKey,
  authenticate,
  presentedToken,
  requireUser,
} from '../middleware/authenticate';
import { featureRouter } from '../middleware/feature';
import { hasBody, jsonOnly } from '../middleware/json-body';
import { noStore } from '../middleware/no-store';
import { requestMeta } from '../middleware/request-meta';
import { requireTenant, siteOfKey } from '../middleware/tenant';
import { parseBody } from '../middleware/validate';
import { clearSessionCookies, refreshCookie, setSessionCookies } from './cookies';
import { confirmEmailVerification, resendVerification } from './email-verification';
import { loginWithPassword } from './login';
import { logout } from './logout';
import { redeemMagicLink, requestMagicLink } from './magic-link';
import { defineMfaRoutes } from './mfa/routes';
import { changePassword } from './password-change';
import { confirmPasswordReset, requestPasswordReset } from './password-reset';
import { refreshFromAccessToken, rotateRefresh } from './refresh';
import { registerUser } from './register';
import {
  loginBody,
  loginResponse,
  magicLinkBody,
  magicLinkVerifyBody,
  messageResponse,
  passwordChangeBody,
  refreshBody,
  registerBody,
  registerResponse,
  resetConfirmBody,
  resetConfirmResponse,
  resetRequestBody,
  tokenResponse,
  verifyConfirmBody,
  verifyResendBody,
} from './schemas';
import { tokenBody } from './session-tokens';
import { signInStepAnswer } from './signed-in';

const auth = featureRouter('/auth');
auth.use(noStore(), jsonOnly());

defineRoute(
  auth,
  {
    method: 'post',
    path: '/register',
    operationId: 'register',
    tag: 'auth',
    summary: 'Register a user on the calling site',
    description:
      'An email already registered gets the same answer and its owner an email (unless the site chose 409).',
    security: ['apiKey'],
    body: registerBody,
    responses: {
      201: { description: 'Registered', schema: registerResponse },
      409: { description: 'Email taken (tenant setting)' },
      429: { description: 'Too many registrations' },
    },
  },
  requireTenant({ scope: 'auth' }),
  async (c) => {
    const input = await parseBody(c, registerBody);
    return c.json(await registerUser(c.var.tenantKey.tenant, input, requestMeta(c)), 201);
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/login',
    operationId: 'login',
    tag: 'auth',
    summary: 'Sign in with email and password',
    description:
      'Starts a session (in cookie mode also sets auth_token and refresh_token cookies). A user with a second factor gets {mfa_required, mfa_token, methods} instead: finish with /auth/mfa/challenge and /auth/mfa/verify. Where the site requires MFA and the user has none: {mfa_enrollment_required, mfa_token, methods}, a token that can only enroll a factor (/auth/mfa/*/setup and /activate).',
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
      401: { description: 'Invalid email or password, or API key' },
      429: { description: 'Locked or throttled; see Retry-After' },
    },
  },
  requireTenant({ scope: 'auth' }),
  async (c) => {
    const { email, password } = await parseBody(c, loginBody);
    const tenant = c.var.tenantKey.tenant;
    return signInStepAnswer(c, tenant, await loginWithPassword(tenant, email, password, requestMeta(c)));
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/logout',
    operationId: 'logout',
    tag: 'auth',
    summary: 'Sign out: revoke the access token and end its session',
    security: ['bearer', 'cookie'],
    responses: { 200: { description: 'Logged out', schema: messageResponse } },
  },
  requireUser(),
  async (c) => {
    await logout(c.var.auth, requestMeta(c));
    clearSessionCookies(c);
    return c.json({ message: 'Logged out successfully' });
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/token/refresh',
    operationId: 'refreshToken',
    tag: 'auth',
    summary: 'Get a new access token',
    description:
      'With {"refresh_token"} (or the refresh cookie) the refresh token rotates; a spent one ends the session. ' +
      'With only Authorization: Bearer <access token> (seed behaviour) a live session gets a fresh access token.',
    security: ['bearer', 'cookie'],
    body: refreshBody,
    bodyRequired: false,
    responses: { 200: { description: 'New token(s)', schema: tokenResponse } },
  },
  async (c) => {
    const body = hasBody(c) ? await parseBody(c, refreshBody) : {};
    const fromCookie = body.refresh_token ? undefined : refreshCookie(c);
    const presented = body.refresh_token ?? fromCookie;
    if (presented) {
      const { issued, tenant } = await rotateRefresh(presented, requestMeta(c), {
        // Refused requests must not spend the token: a cross-site POST could otherwise burn it.
        beforeRotating: async (tenant) => {
          actFor(c, tenant);
          await assertSameTenantAsKey(c, tenant.id);
          if (fromCookie) assertCookieOrigin(c, tenant);
        },
      });
      setSessionCookies(c, tenant, issued);
      return c.json(tokenBody(issued));
    }
    const signedIn = await authenticate(c);
    const issued = await refreshFromAccessToken(signedIn);
    setSessionCookies(c, signedIn.tenant, issued);
    return c.json(tokenBody(issued));
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/password-reset',
    operationId: 'requestPasswordReset',
    tag: 'auth',
    summary: 'Email a password reset link',
    description: 'Answers the same whether or not the account exists; sends nothing for unknown addresses.',
    security: ['apiKey'],
    body: resetRequestBody,
    responses: {
      200: { description: 'Accepted', schema: messageResponse },
      429: { description: 'Too many requests' },
    },
  },
  requireTenant({ scope: 'auth' }),
  async (c) => {
    const { email } = await parseBody(c, resetRequestBody);
    await requestPasswordReset(c.var.tenantKey.tenant, email, requestMeta(c));
    return c.json({ message: 'If account exists, reset email sent' });
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/magic-link',
    operationId: 'requestMagicLink',
    fetch: `await fetch(\`\${API}/auth/magic-link\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': SITE_KEY },
  body: JSON.stringify({ email, redirect_uri: 'https://app.example.com/signed-in' }),
}); // 202 whether or not the account exists`,
    tag: 'auth',
    summary: 'Email a single-use sign-in link',
    description:
      "Where the site turns sign-in links on (setting magic_links). Answers the same whether or not the account exists. The email links to a hosted page whose GET changes nothing (mail scanners open links); its button sends the browser to redirect_uri with the token in the fragment (#magic_token=...), and the site's page spends it with POST /auth/magic-link/verify. 15 minutes, single use, bound to the site and redirect_uri, which must be on the site's allowed origins.",
    security: ['apiKey'],
    body: magicLinkBody,
    responses: {
      202: { description: 'Accepted', schema: messageResponse },
      403: { description: 'The site has sign-in links off' },
      422: { description: "redirect_uri is not a page on the site's allowed origins" },
      429: { description: 'Too many requests' },
    },
  },
  requireTenant({ scope: 'auth' }),
  async (c) => {
    const { email, redirect_uri } = await parseBody(c, magicLinkBody);
    await requestMagicLink(c.var.tenantKey.tenant, email, redirect_uri, requestMeta(c));
    return c.json({ message: 'If the account exists, a sign-in link is on its way' }, 202);
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/magic-link/verify',
    operationId: 'verifyMagicLink',
    fetch: `const token = new URLSearchParams(location.hash.slice(1)).get('magic_token');
const answer = await fetch(\`\${API}/auth/magic-link/verify\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': SITE_KEY },
  body: JSON.stringify({ token }),
}).then((r) => r.json()); // as /auth/login`,
    tag: 'auth',
    summary: 'Sign in with the token of an emailed link',
    description:
      "Spends the link's token (once; this site's links only) and answers as /auth/login does: the session, or {mfa_required, mfa_token, methods} when the user has a second factor.",
    security: ['apiKey'],
    body: magicLinkVerifyBody,
    responses: {
      200: { description: 'Signed in, or a second step (as /auth/login)' },
      400: { description: 'Invalid, used or expired link' },
    },
  },
  requireTenant({ scope: 'auth' }),
  async (c) => {
    const { token } = await parseBody(c, magicLinkVerifyBody);
    const tenant = c.var.tenantKey.tenant;
    return signInStepAnswer(c, tenant, await redeemMagicLink(tenant, token, requestMeta(c)));
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/password-reset/confirm',
    operationId: 'confirmPasswordReset',
    tag: 'auth',
    summary: 'Set a new password with the emailed token',
    description: 'Single use; ends every session of the user. No API key needed (the token names the site).',
    body: resetConfirmBody,
    responses: {
      200: {
        description:
          'Password reset. With `secret_messages: "locked_until_recovery"` the user has a secret-message key that only their recovery key unlocks now.',
        schema: resetConfirmResponse,
      },
      400: { description: 'Invalid or expired token, or malformed JSON' },
    },
  },
  async (c) => {
    const { token, new_password } = await parseBody(c, resetConfirmBody);
    // A site that also sends its key may only redeem its own users' tokens (S28).
    const expectedTenantId = await apiKeyTenantId(c);
    const { secretKeyLocked } = await confirmPasswordReset(token, new_password, requestMeta(c), {
      expectedTenantId,
    });
    return c.json({
      message: 'Password reset successful',
      // S39: a reset cannot re-wrap the secret-message key; the recovery key unlocks it (POST /secrets/keys/recover).
      ...(secretKeyLocked ? { secret_messages: 'locked_until_recovery' as const } : {}),
    });
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/password/change',
    operationId: 'changePassword',
    tag: 'auth',
    summary: 'Change the password of the signed-in user',
    description: 'Needs the current password; ends every session and returns tokens for a new one.',
    security: ['bearer', 'cookie'],
    body: passwordChangeBody,
    responses: {
      200: {
        description: 'Changed',
        schema: tokenResponse.extend({ message: messageResponse.shape.message }),
      },
      403: { description: 'Current password is incorrect' },
      429: { description: 'Locked' },
    },
  },
  requireUser(),
  async (c) => {
    const { current_password, new_password } = await parseBody(c, passwordChangeBody);
    const issued = await changePassword(c.var.auth, current_password, new_password, requestMeta(c));
    setSessionCookies(c, c.var.auth.tenant, issued);
    return c.json({ message: 'Password changed', ...tokenBody(issued) });
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/verify-email/confirm',
    operationId: 'confirmEmailVerification',
    tag: 'auth',
    summary: 'Confirm an email address with the emailed token',
    description:
      "Single use. No API key needed (the token names the site); a key, if sent, must be that site's.",
    body: verifyConfirmBody,
    responses: {
      200: { description: 'Verified', schema: messageResponse },
      400: { description: 'Invalid or expired token' },
    },
  },
  async (c) => {
    const { token } = await parseBody(c, verifyConfirmBody);
    await confirmEmailVerification(token, requestMeta(c), { expectedTenantId: await apiKeyTenantId(c) });
    return c.json({ message: 'Email verified' });
  },
);

defineRoute(
  auth,
  {
    method: 'post',
    path: '/verify-email/resend',
    operationId: 'resendEmailVerification',
    tag: 'auth',
    summary: 'Send another verification email',
    description:
      'Signed in: for yourself. Otherwise with the API key and {"email"}; the answer is the same for unknown addresses.',
    security: ['bearer', 'cookie', 'apiKey'],
    body: verifyResendBody,
    bodyRequired: false,
    responses: {
      202: { description: 'Accepted', schema: messageResponse },
      429: { description: 'Too many requests' },
    },
  },
  async (c) => {
    const meta = requestMeta(c);
    if (presentedToken(c)) {
      const signedIn = await authenticate(c);
      await resendVerification(signedIn.tenant, signedIn.user.email, meta);
    } else {
      const resolved = await siteOfKey(c, 'auth');
      const { email } = await parseBody(c, verifyResendBody.required());
      await resendVerification(resolved.tenant, email, meta);
    }
    return c.json({ message: 'If the account exists and is unverified, a verification email was sent' }, 202);
  },
);

defineMfaRoutes(auth);

export default auth;
