// The JSON a browser's WebAuthn call produces (as @simplewebauthn/browser returns it), bounded: base64url fields of
// sane sizes, so a hostile body is a 422 before any verification. Kept apart from the ceremonies so the two-factor
// routes can validate an assertion without loading the WebAuthn library.
import * as z from 'zod';

const b64url = (max: number) =>
  z
    .string({ error: 'must be a base64url string' })
    .max(max, 'is too long')
    .regex(/^[A-Za-z0-9_-]*={0,2}$/, 'must be base64url');

const credential = <S extends z.ZodRawShape>(response: S) =>
  z.object({
    id: b64url(1024).min(1, 'is required'),
    rawId: b64url(1024).min(1, 'is required'),
    type: z.literal('public-key'),
    response: z.looseObject({ clientDataJSON: b64url(4096).min(1, 'is required'), ...response }),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  });

export const registrationResponse = credential({
  attestationObject: b64url(16384).min(1, 'is required'),
  transports: z.array(z.string().max(20)).max(10).optional(),
});

export const assertionResponse = credential({
  authenticatorData: b64url(4096).min(1, 'is required'),
  signature: b64url(1024).min(1, 'is required'),
  userHandle: b64url(1024).optional(),
});

export type AssertionJson = z.output<typeof assertionResponse>;
