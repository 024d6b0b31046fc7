// Request and response shapes of the auth API: they validate requests and generate the OpenAPI document.
import * as z from 'zod';

const wellFormed = (value: string) => value.isWellFormed();
// Control, format (zero-width, bidi) and surrogate characters have no place in names.
const NO_CONTROL = /^[^\p{Cc}\p{Cf}\p{Cs}]*$/u;

/**
 * Trimmed and lower-cased before validation, so " User@Example.com " is user@example.com. The string-method
 * form (rather than a pipe into z.email()) keeps `format: email` in the generated OpenAPI input schema.
 */
export const emailField = z
  .string({ error: 'must be a string' })
  .trim()
  .toLowerCase()
  .max(254, 'must be at most 254 characters')
  .email({ error: 'must be a valid email address' });

/** Shape only; the password policy (S1-S3) is checked separately with the tenant's settings. */
export const passwordField = z
  .string({ error: 'must be a string' })
  .min(1, 'is required')
  .max(1024, 'must be at most 1024 characters')
  .refine(wellFormed, 'must be valid Unicode text');

export const nameField = z
  .string({ error: 'must be a string' })
  .trim()
  .max(100, 'must be at most 100 characters')
  .regex(NO_CONTROL, 'must not contain control or invisible characters');

export const opaqueToken = z
  .string({ error: 'must be a string' })
  .min(1, 'is required')
  .max(512, 'is too long');

export const registerBody = z.object({
  email: emailField,
  password: passwordField,
  name: nameField.default(''),
});
export const loginBody = z.object({ email: emailField, password: passwordField });
export const resetRequestBody = z.object({ email: emailField });
export const resetConfirmBody = z.object({ token: opaqueToken, new_password: passwordField });
export const passwordChangeBody = z.object({ current_password: passwordField, new_password: passwordField });
export const refreshBody = z.object({ refresh_token: opaqueToken.optional() });
export const verifyConfirmBody = z.object({ token: opaqueToken });
export const verifyResendBody = z.object({ email: emailField.optional() });
/** A page of the site's that a sign-in hands its result to (checked against the allowed origins). */
export const redirectUriField = z
  .string({ error: 'must be a string' })
  .min(1, 'is required')
  .max(2000, 'is too long')
  .regex(NO_CONTROL, 'must not contain control or invisible characters');
export const magicLinkBody = z.object({
  email: emailField,
  redirect_uri: redirectUriField.describe(
    "The site's page the link's token is handed to (in the fragment: #magic_token=...)",
  ),
});
export const magicLinkVerifyBody = z.object({ token: opaqueToken });

export const userSummary = z.object({ user_id: z.string(), email: z.string(), name: z.string() });
export const messageResponse = z.object({ message: z.string() });
export const resetConfirmResponse = messageResponse.extend({
  secret_messages: z.literal('locked_until_recovery').optional(),
});
export const registerResponse = z.object({
  message: z.literal('Registration successful'),
  user: userSummary,
});
export const tokenResponse = z.object({
  token: z.string().describe('Access JWT (Authorization: Bearer)'),
  refresh_token: z.string().optional().describe('Opaque, single-use; rotate with POST /auth/token/refresh'),
  expires_in: z.number().int().describe('Access token lifetime in seconds'),
  token_type: z.literal('Bearer'),
});
export const loginResponse = tokenResponse.extend({ user: userSummary });
