// Signs and verifies the platform's JWTs with jose: one pinned algorithm, keys imported once per container.

import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { clock } from './clock';
import { choice, configSlice, number, oneOf, type SecretSource, secretValue, text } from './config';
import { UnauthorizedError } from './errors';
import { resolveSecret } from './secrets';

export type JwtAlgorithm = 'HS256' | 'ES256';

/** Each token kind has its own `typ` header and is refused where another kind is expected (S12). */
export const TOKEN_TYPES = {
  access: 'at+jwt',
  mfa: 'mfa+jwt',
  /** After the password, for a user who must enroll a factor first: good only for enrolling (S22). */
  mfa_enroll: 'mfa-enroll+jwt',
} as const;
export type TokenKind = keyof typeof TOKEN_TYPES;

type SigningKeys = {
  algorithm: JwtAlgorithm;
  signKey: KeyObject;
  verifyKey: KeyObject;
  kid?: string;
  publicJwk?: JWK;
};

export type TokenServiceOptions = {
  algorithm: JwtAlgorithm;
  key: SecretSource;
  issuer: string;
  /** RFC 8725 leaves skew to us; S11 caps it at 60 s. */
  clockToleranceSeconds?: number;
};

export type SignOptions = {
  kind: TokenKind;
  subject: string;
  /** The tenant id the token is for: its `aud`. */
  audience: string;
  ttlSeconds: number;
  claims?: Record<string, unknown>;
};

export type VerifiedToken = JWTPayload & { sub: string; aud: string; jti: string; exp: number; iat: number };

// A real JWT of ours is well under 2 KB; refuse huge inputs before parsing anything.
const MAX_TOKEN_LENGTH = 4096;

const invalidToken = () => new UnauthorizedError('Invalid or expired token', 'invalid_token');

export function createTokenService(options: TokenServiceOptions) {
  let keys: Promise<SigningKeys> | undefined;
  const loadKeys = () => {
    keys ??= importKeys(options.algorithm, options.key);
    keys.catch(() => {
      keys = undefined;
    });
    return keys;
  };
  const tolerance = options.clockToleranceSeconds ?? 60;

  return {
    async sign({ kind, subject, audience, ttlSeconds, claims = {} }: SignOptions): Promise<string> {
      const k = await loadKeys();
      const now = clock.seconds();
      return new SignJWT(claims)
        .setProtectedHeader({ alg: k.algorithm, typ: TOKEN_TYPES[kind], ...(k.kid ? { kid: k.kid } : {}) })
        .setIssuer(options.issuer)
        .setSubject(subject)
        .setAudience(audience)
        .setJti(randomUUID())
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(k.signKey);
    },

    /** Verifies signature, algorithm, typ, iss, aud, iat and exp; any failure is the same 401. */
    async verify(token: string, expected: { kind: TokenKind; audience?: string }): Promise<VerifiedToken> {
      if (!token || token.length > MAX_TOKEN_LENGTH) throw invalidToken();
      const k = await loadKeys();
      try {
        const { payload, protectedHeader } = await jwtVerify(token, k.verifyKey, {
          algorithms: [k.algorithm],
          issuer: options.issuer,
          audience: expected.audience,
          typ: TOKEN_TYPES[expected.kind],
          requiredClaims: ['exp', 'iat', 'iss', 'aud', 'sub', 'jti'],
          clockTolerance: tolerance,
          currentDate: new Date(clock.now()),
        });
        // A kid we did not issue is refused even if the signature happens to verify (S10).
        if (protectedHeader.kid !== k.kid) throw invalidToken();
        if (typeof payload.aud !== 'string') throw invalidToken();
        if ((payload.iat as number) > clock.seconds() + tolerance) throw invalidToken();
        return payload as VerifiedToken;
      } catch (error) {
        if (error instanceof UnauthorizedError) throw error;
        throw invalidToken();
      }
    },

    /** Public keys for offline verification; empty for HS256, whose key must never leave. */
    async jwks(): Promise<{ keys: JWK[] }> {
      const k = await loadKeys();
      return { keys: k.publicJwk ? [k.publicJwk] : [] };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

async function importKeys(algorithm: JwtAlgorithm, source: SecretSource): Promise<SigningKeys> {
  const material = await resolveSecret(source, 'JWT signing key');
  if (algorithm === 'HS256') {
    const key = createSecretKey(Buffer.from(material, 'utf8'));
    return { algorithm, signKey: key, verifyKey: key };
  }
  const privateKey = importEcPrivateKey(material);
  const publicKey = createPublicKey(privateKey);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return {
    algorithm,
    signKey: privateKey,
    verifyKey: publicKey,
    kid,
    publicJwk: { ...jwk, kid, alg: 'ES256', use: 'sig' },
  };
}

function importEcPrivateKey(pem: string): KeyObject {
  const problem = 'JWT_ALGORITHM=ES256 needs a PEM P-256 private key as the JWT secret';
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new Error(problem);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(problem);
  }
  return key;
}

/** How tokens are signed: the key given directly (local use; HS256 wants 256 bits, RFC 7518 3.2) or a secret's name. */
export const tokenConfig = configSlice(
  {
    JWT_ALGORITHM: choice(['HS256', 'ES256'] as const).or('HS256'),
    JWT_SECRET: secretValue(),
    JWT_SECRET_NAME: text({ min: 1 }),
    JWT_ISSUER: text({ min: 1 }).or('lambdalith'),
    ACCESS_TOKEN_TTL_SECONDS: number(1, 86_400).or(900),
  },
  (e) => ({
    algorithm: e.JWT_ALGORITHM,
    key: { value: e.JWT_SECRET, secretName: e.JWT_SECRET_NAME } as SecretSource,
    issuer: e.JWT_ISSUER,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
  }),
  oneOf('JWT_SECRET', 'JWT_SECRET_NAME'),
);

let defaultService: TokenService | undefined;

/** The process's token service, built from config on first use. */
export function tokens(): TokenService {
  if (!defaultService) {
    const { algorithm, key, issuer } = tokenConfig();
    defaultService = createTokenService({ algorithm, key, issuer });
  }
  return defaultService;
}
