// /auth/mfa: enrol TOTP (setup, activate), see your factors, and finish a sign-in with a code.
import { Hono } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../app-env';
import { setSessionCookies } from '../auth/cookies';
import { loginResponse, validationErrorResponse } from '../auth/schemas';
import { tokenBody } from '../auth/session-tokens';
import { tenantIdOf } from '../core/db/tenants';
import { getUser } from '../core/db/users';
import { tenantResolver } from '../core/tenants';
import { documentRoute } from '../docs/registry';
import { requireUser } from '../middleware/authenticate';
import { hasBody, jsonOnly } from '../middleware/json-body';
import { noStore } from '../middleware/no-store';
import { requestMeta } from '../middleware/request-meta';
import { parseBody } from '../middleware/validate';
import { completeMfaLogin, methodsOf } from './challenge';
import { activateTotpFactor, regenerateRecoveryCodes, removeTotpFactor, setupTotp } from './enroll';

const currentPassword = z.string().min(1).max(1024).optional();
const setupBody = z.object({ current_password: currentPassword });
const activateBody = z.object({
  code: z.string().regex(/^\d{6}$/, 'must be the 6-digit code from the app'),
  current_password: currentPassword,
});
const verifyBody = z
  .object({
    mfa_token: z.string().min(1).max(4096),
    code: z.string().max(20).optional(),
    recovery_code: z.string().max(64).optional(),
  })
  .refine((b) => (b.code === undefined) !== (b.recovery_code === undefined), {
    message: 'send code or recovery_code',
    path: ['code'],
  });

export const mfaRoutes = new Hono<AppEnv>();
mfaRoutes.use('/auth/mfa/*', noStore(), jsonOnly());
mfaRoutes.use('/auth/mfa', noStore());

const invalid = {
  400: { description: 'Malformed JSON' },
  422: { description: 'Invalid fields', schema: validationErrorResponse },
};

documentRoute({
  method: 'post',
  path: '/auth/mfa/totp/setup',
  tag: 'mfa',
  summary: 'Start TOTP enrolment: a secret, its otpauth:// URL and a QR code (SVG)',
  description: 'Needs a sign-in within 10 minutes, or current_password.',
  security: ['bearer', 'cookie'],
  body: setupBody,
  bodyRequired: false,
  responses: {
    200: {
      description: 'Scan it',
      schema: z.object({ secret: z.string(), otpauth_url: z.string(), qr_svg: z.string() }),
    },
    401: { description: 'Not authenticated' },
    403: { description: 'Re-authentication required' },
  },
});
mfaRoutes.post('/auth/mfa/totp/setup', requireUser(), async (c) => {
  const body = hasBody(c) ? await parseBody(c, setupBody) : {};
  return c.json(await setupTotp(c.var.auth, body.current_password));
});

documentRoute({
  method: 'post',
  path: '/auth/mfa/totp/activate',
  tag: 'mfa',
  summary: 'Activate TOTP with the first code; the first factor returns recovery codes, once',
  security: ['bearer', 'cookie'],
  body: activateBody,
  responses: {
    200: {
      description: 'Active',
      schema: z.object({ activated: z.boolean(), recovery_codes: z.array(z.string()).optional() }),
    },
    ...invalid,
    401: { description: 'Not authenticated' },
    403: { description: 'Re-authentication required' },
  },
});
mfaRoutes.post('/auth/mfa/totp/activate', requireUser(), async (c) => {
  const { code, current_password } = await parseBody(c, activateBody);
  return c.json(await activateTotpFactor(c.var.auth, code, current_password, requestMeta(c)));
});

documentRoute({
  method: 'get',
  path: '/auth/mfa',
  tag: 'mfa',
  summary: "The signed-in user's second factors",
  security: ['bearer', 'cookie'],
  responses: {
    200: {
      description: 'Factors',
      schema: z.object({ methods: z.array(z.string()), recovery_codes_left: z.number() }),
    },
    401: { description: 'Not authenticated' },
  },
});
mfaRoutes.get('/auth/mfa', requireUser(), async (c) => {
  const user = await getUser(c.var.auth.userId);
  return c.json({
    methods: user ? methodsOf(user) : [],
    recovery_codes_left: user?.mfa.recoveryHashes.length ?? 0,
  });
});

documentRoute({
  method: 'post',
  path: '/auth/mfa/verify',
  tag: 'mfa',
  summary: 'Finish a sign-in: the mfa_token from /auth/login with a TOTP code or a recovery code',
  description:
    'Answers like /auth/login (and sets cookies in cookie mode). About 5 tries per challenge; wrong codes count toward lockout.',
  body: verifyBody,
  responses: {
    200: { description: 'Signed in', schema: loginResponse },
    ...invalid,
    401: { description: 'Wrong code or dead challenge' },
    429: { description: 'Locked' },
  },
});
mfaRoutes.post('/auth/mfa/verify', async (c) => {
  const body = await parseBody(c, verifyBody);
  const apiKey = c.req.header('x-api-key');
  const keyTenant = apiKey === undefined ? undefined : (await tenantResolver().resolve(apiKey)).tenant;
  const { user, tenant, issued } = await completeMfaLogin(
    body.mfa_token,
    { code: body.code, recoveryCode: body.recovery_code },
    requestMeta(c),
    { expectedTenantId: keyTenant && tenantIdOf(keyTenant.clientId, keyTenant.siteId) },
  );
  c.set('tenant', tenant);
  setSessionCookies(c, tenant, issued);
  return c.json({ ...tokenBody(issued), user: { user_id: user.userId, email: user.email, name: user.name } });
});

documentRoute({
  method: 'delete',
  path: '/auth/mfa/{factor}',
  tag: 'mfa',
  summary: 'Remove a factor (totp); ends your other sessions',
  description: 'Needs a sign-in within 10 minutes, or {"current_password"} in the body.',
  security: ['bearer', 'cookie'],
  body: setupBody,
  bodyRequired: false,
  responses: {
    200: { description: 'Removed', schema: z.object({ message: z.string() }) },
    401: { description: 'Not authenticated' },
    403: { description: 'Re-authentication required' },
    404: { description: 'No such factor' },
  },
});
mfaRoutes.delete('/auth/mfa/:factor', requireUser(), async (c) => {
  if (c.req.param('factor') !== 'totp')
    return c.json({ detail: 'No such factor', code: 'factor_not_found' }, 404);
  const body = hasBody(c) ? await parseBody(c, setupBody) : {};
  await removeTotpFactor(c.var.auth, body.current_password, requestMeta(c));
  return c.json({ message: 'Two-factor sign-in with the authenticator app is off' });
});

documentRoute({
  method: 'post',
  path: '/auth/mfa/recovery-codes',
  tag: 'mfa',
  summary: 'Replace your recovery codes (the old ones stop working); shown once',
  security: ['bearer', 'cookie'],
  body: setupBody,
  bodyRequired: false,
  responses: {
    200: { description: 'New codes', schema: z.object({ recovery_codes: z.array(z.string()) }) },
    401: { description: 'Not authenticated' },
    403: { description: 'Re-authentication required' },
    422: { description: 'No factor to recover' },
  },
});
mfaRoutes.post('/auth/mfa/recovery-codes', requireUser(), async (c) => {
  const body = hasBody(c) ? await parseBody(c, setupBody) : {};
  return c.json(await regenerateRecoveryCodes(c.var.auth, body.current_password, requestMeta(c)));
});
