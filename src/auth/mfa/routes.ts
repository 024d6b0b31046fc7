// /auth/mfa: enroll factors (TOTP, SMS, email), list and remove them, replace recovery codes, and finish a
// sign-in: send an SMS/email code for a challenge, then verify a code.

import type { Context } from 'hono';
import * as z from 'zod';
import type { AppEnv } from '../../app-env';
import { FACTORS } from '../../core/db/user-factors';
import { getUser } from '../../core/db/users';
import { NotFoundError } from '../../core/errors';
import { defineRoute } from '../../docs';
import { actFor } from '../../middleware/acting-tenant';
import { activeUser, apiKeyTenantId, requireUser } from '../../middleware/authenticate';
import type { FeatureRouter } from '../../middleware/feature';
import { hasBody } from '../../middleware/json-body';
import { requestMeta } from '../../middleware/request-meta';
import { parseBody } from '../../middleware/validate';
import { assertionResponse } from '../passkeys/schemas';
import { loginResponse } from '../schemas';
import { signedInBody } from '../signed-in';
import {
  completeMfaLogin,
  methodsOf,
  passkeyChallenge,
  sendLoginCode,
  signInWithSecondFactor,
} from './challenge';
import {
  activateEmailCodes,
  activateSmsFactor,
  activateTotpFactor,
  enrollerOf,
  regenerateRecoveryCodes,
  removeUserFactor,
  setupEmail,
  setupSms,
  setupTotp,
} from './enroll';
import { requireEnroller } from './enroller';
import { enrollableFactors } from './policy';
import { mfaSettings } from './settings';

const currentPassword = z.string().min(1).max(1024).optional();
const reauthBody = z.object({ current_password: currentPassword });
const sixDigits = z.string().regex(/^\d{6}$/, 'must be the 6-digit code');
const activateBody = z.object({ code: sixDigits, current_password: currentPassword });
const phoneSetupBody = z.object({
  // Spaces, dashes, dots and brackets are how people write numbers; what is left must be E.164.
  phone: z
    .string()
    .max(40)
    .transform((p) => p.replace(/[\s().-]/g, ''))
    .pipe(z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an international number, e.g. +14155550123')),
  current_password: currentPassword,
});
const mfaToken = z.string().min(1).max(4096);
const challengeBody = z.object({ mfa_token: mfaToken, method: z.enum(['sms', 'email', 'passkey']) });
const verifyBody = z
  .object({
    mfa_token: mfaToken,
    code: z.string().max(20).optional(),
    recovery_code: z.string().max(64).optional(),
    passkey: assertionResponse.optional().describe('The assertion from navigator.credentials.get()'),
  })
  .refine((b) => [b.code, b.recovery_code, b.passkey].filter((a) => a !== undefined).length === 1, {
    message: 'send one of code, recovery_code or passkey',
    path: ['code'],
  });

const enrolling = {
  401: { description: 'Not authenticated' },
  403: { description: 'Re-authentication required, or the site does not offer this factor' },
};
const enrollmentAuth = 'A Bearer access token, or the mfa_token of {"mfa_enrollment_required": true}.';
const activated = z.object({
  activated: z.boolean(),
  recovery_codes: z.array(z.string()).optional().describe('First factor only; shown once'),
  token: z.string().optional().describe('With an enrollment token: the sign-in it was waiting for'),
});
const codeSent = z.object({ sent_to: z.string(), expires_in: z.number() });

/** An activation's answer; enrolling at sign-in also completes that sign-in. */
async function activationResponse(
  c: Context<AppEnv>,
  result: Awaited<ReturnType<typeof activateTotpFactor>>,
) {
  const who = c.var.enroller;
  if (!who.enrollmentToken) return c.json(result);
  const user = await activeUser(who.userId);
  const issued = await signInWithSecondFactor(
    user,
    who.tenant,
    who.enrollmentToken,
    requestMeta(c),
    'enrolled',
  );
  return c.json({ ...result, ...signedInBody(c, who.tenant, user, issued) });
}

const optionalReauth = async (c: Context<AppEnv>) => (hasBody(c) ? await parseBody(c, reauthBody) : {});

/** The MFA routes, on the auth feature's router (/auth/mfa...): sign-in and MFA are one feature. */
export function defineMfaRoutes(router: FeatureRouter): void {
  defineRoute(
    router,
    {
      method: 'post',
      path: '/mfa/totp/setup',
      operationId: 'setupTotp',
      tag: 'mfa',
      summary: 'Start TOTP enrollment: a secret, its otpauth:// URL and a QR code (SVG)',
      description: `${enrollmentAuth} Needs a sign-in within 10 minutes, or current_password.`,
      security: ['bearer', 'cookie'],
      body: reauthBody,
      bodyRequired: false,
      responses: {
        200: {
          description: 'Scan it',
          schema: z.object({ secret: z.string(), otpauth_url: z.string(), qr_svg: z.string() }),
        },
        ...enrolling,
      },
    },
    requireEnroller(),
    async (c) => {
      const body = await optionalReauth(c);
      return c.json(await setupTotp(c.var.enroller, body.current_password, requestMeta(c)));
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/mfa/totp/activate',
      operationId: 'activateTotp',
      tag: 'mfa',
      summary: 'Activate TOTP with the first code from the app',
      description: `${enrollmentAuth} The first factor returns recovery codes, once; with an enrollment token the answer also signs in (like /auth/login).`,
      security: ['bearer', 'cookie'],
      body: activateBody,
      responses: { 200: { description: 'Active', schema: activated }, ...enrolling },
    },
    requireEnroller(),
    async (c) => {
      const { code, current_password } = await parseBody(c, activateBody);
      return activationResponse(
        c,
        await activateTotpFactor(c.var.enroller, code, current_password, requestMeta(c)),
      );
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/mfa/sms/setup',
      operationId: 'setupSms',
      tag: 'mfa',
      summary: 'Start SMS enrollment: texts a 6-digit code to the phone (E.164)',
      description: `${enrollmentAuth} Rate limited per user, number and site. 403 sms_unavailable where Twilio is not configured.`,
      security: ['bearer', 'cookie'],
      body: phoneSetupBody,
      responses: {
        202: { description: 'Code sent', schema: codeSent },

        ...enrolling,
        429: { description: 'Too many codes' },
      },
    },
    requireEnroller(),
    async (c) => {
      const { phone, current_password } = await parseBody(c, phoneSetupBody);
      return c.json(await setupSms(c.var.enroller, phone, current_password, requestMeta(c)), 202);
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/mfa/sms/activate',
      operationId: 'activateSms',
      tag: 'mfa',
      summary: 'Activate SMS codes with the code that was texted',
      description: enrollmentAuth,
      security: ['bearer', 'cookie'],
      body: activateBody,
      responses: { 200: { description: 'Active', schema: activated }, ...enrolling },
    },
    requireEnroller(),
    async (c) => {
      const { code, current_password } = await parseBody(c, activateBody);
      return activationResponse(
        c,
        await activateSmsFactor(c.var.enroller, code, current_password, requestMeta(c)),
      );
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/mfa/email/setup',
      operationId: 'setupEmailCodes',
      tag: 'mfa',
      summary: "Start email-code enrollment: emails a 6-digit code to the account's address",
      description: enrollmentAuth,
      security: ['bearer', 'cookie'],
      body: reauthBody,
      bodyRequired: false,
      responses: {
        202: { description: 'Code sent', schema: codeSent },
        ...enrolling,
        429: { description: 'Too many codes' },
      },
    },
    requireEnroller(),
    async (c) => {
      const body = await optionalReauth(c);
      return c.json(await setupEmail(c.var.enroller, body.current_password, requestMeta(c)), 202);
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/mfa/email/activate',
      operationId: 'activateEmailCodes',
      tag: 'mfa',
      summary: 'Activate email codes with the code that was emailed',
      description: enrollmentAuth,
      security: ['bearer', 'cookie'],
      body: activateBody,
      responses: { 200: { description: 'Active', schema: activated }, ...enrolling },
    },
    requireEnroller(),
    async (c) => {
      const { code, current_password } = await parseBody(c, activateBody);
      return activationResponse(
        c,
        await activateEmailCodes(c.var.enroller, code, current_password, requestMeta(c)),
      );
    },
  );

  defineRoute(
    router,
    {
      method: 'get',
      path: '/mfa',
      operationId: 'listFactors',
      tag: 'mfa',
      summary: "The user's second factors, what they could add, and the site's policy",
      description: enrollmentAuth,
      security: ['bearer', 'cookie'],
      responses: {
        200: {
          description: 'Factors',
          schema: z.object({
            methods: z.array(z.string()),
            recovery_codes_left: z.number(),
            available: z.array(z.string()),
            policy: z.string(),
          }),
        },
        401: { description: 'Not authenticated' },
      },
    },
    requireEnroller(),
    async (c) => {
      const user = await getUser(c.var.enroller.userId);
      const policy = mfaSettings(c.var.enroller.tenant).mfa;
      return c.json({
        methods: user ? methodsOf(user, c.var.enroller.tenant) : [],
        recovery_codes_left: user?.mfa.recoveryHashes.length ?? 0,
        available: policy === 'off' ? [] : enrollableFactors(),
        policy,
      });
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/mfa/challenge',
      operationId: 'sendMfaChallenge',
      tag: 'mfa',
      summary:
        'Send a sign-in code by SMS or email for the mfa_token from /auth/login, or get passkey options',
      description:
        'A new code voids the previous one. Rate limited per user (and per number and site for SMS).',
      body: challengeBody,
      responses: {
        200: {
          description: 'Passkey: WebAuthn options for navigator.credentials.get()',
          schema: z.object({ method: z.literal('passkey'), options: z.object({}).passthrough() }),
        },
        202: { description: 'Sent', schema: codeSent.extend({ message: z.string(), method: z.string() }) },

        401: { description: 'Dead challenge: sign in again' },
        429: { description: 'Too many codes' },
      },
    },
    async (c) => {
      const { mfa_token, method } = await parseBody(c, challengeBody);
      const expectedTenantId = await apiKeyTenantId(c);
      if (method === 'passkey') return c.json(await passkeyChallenge(mfa_token, { expectedTenantId }));
      return c.json(await sendLoginCode(mfa_token, method, requestMeta(c), { expectedTenantId }), 202);
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/mfa/verify',
      operationId: 'verifyMfa',
      fetch: `// A code: { mfa_token, code }. A passkey: options from /auth/mfa/challenge {mfa_token, method: 'passkey'}, then
const passkey = await startAuthentication({ optionsJSON: options });
const session = await fetch(\`\${API}/auth/mfa/verify\`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': SITE_KEY },
  body: JSON.stringify({ mfa_token, passkey }),
}).then((r) => r.json());`,
      tag: 'mfa',
      summary:
        'Finish a sign-in: the mfa_token with a TOTP, SMS or email code, a recovery code, or a passkey',
      description:
        'Answers like /auth/login (and sets cookies in cookie mode). About 5 tries per challenge; wrong codes count toward lockout.',
      body: verifyBody,
      responses: {
        200: { description: 'Signed in', schema: loginResponse },

        401: { description: 'Wrong code or dead challenge' },
        429: { description: 'Locked' },
      },
    },
    async (c) => {
      const body = await parseBody(c, verifyBody);
      const { user, tenant, issued } = await completeMfaLogin(
        body.mfa_token,
        { code: body.code, recoveryCode: body.recovery_code, passkey: body.passkey },
        requestMeta(c),
        { expectedTenantId: await apiKeyTenantId(c) },
      );
      actFor(c, tenant);
      return c.json(signedInBody(c, tenant, user, issued));
    },
  );

  defineRoute(
    router,
    {
      method: 'delete',
      path: '/mfa/:factor',
      operationId: 'removeFactor',
      tag: 'mfa',
      summary: 'Remove a factor (totp, sms or email); ends your other sessions',
      description:
        'Needs a sign-in within 10 minutes, or {"current_password"} in the body. Removing the last factor on a site that requires MFA is refused (403 mfa_required).',
      security: ['bearer', 'cookie'],
      body: reauthBody,
      bodyRequired: false,
      responses: {
        200: { description: 'Removed', schema: z.object({ message: z.string() }) },
        ...enrolling,
        404: { description: 'No such factor' },
      },
    },
    requireUser(),
    async (c) => {
      const factor = FACTORS.find((f) => f === c.req.param('factor'));
      if (!factor) throw new NotFoundError('No such factor', 'factor_not_found');
      const body = await optionalReauth(c);
      await removeUserFactor(enrollerOf(c.var.auth), factor, body.current_password, requestMeta(c));
      return c.json({ message: `Two-factor sign-in with ${factor} is off` });
    },
  );

  defineRoute(
    router,
    {
      method: 'post',
      path: '/mfa/recovery-codes',
      operationId: 'regenerateRecoveryCodes',
      tag: 'mfa',
      summary: 'Replace your recovery codes (the old ones stop working); shown once',
      security: ['bearer', 'cookie'],
      body: reauthBody,
      bodyRequired: false,
      responses: {
        200: { description: 'New codes', schema: z.object({ recovery_codes: z.array(z.string()) }) },
        ...enrolling,
        422: { description: 'No factor to recover' },
      },
    },
    requireUser(),
    async (c) => {
      const body = await optionalReauth(c);
      return c.json(
        await regenerateRecoveryCodes(enrollerOf(c.var.auth), body.current_password, requestMeta(c)),
      );
    },
  );
}
