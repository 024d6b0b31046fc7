// Reads the environment once, validates it with zod, and hands every module a typed Config.
import * as z from 'zod';

/** Table env vars and the seed's default names; the template wires each one with !Ref. */
export const tableEnvDefaults = {
  USERS_TABLE: 'Users',
  BLACKLIST_TABLE: 'TokenBlacklist',
  PASSWORD_RESET_TABLE: 'PasswordResetTokens',
  LOGIN_ATTEMPTS_TABLE: 'LoginAttempts',
  TENANTS_TABLE: 'Tenants',
  API_KEYS_TABLE: 'ApiKeys',
  SESSIONS_TABLE: 'Sessions',
  AUDIT_TABLE: 'AuditLog',
  TENANT_ORIGINS_TABLE: 'TenantOrigins',
  IDEMPOTENCY_TABLE: 'EmailIdempotency',
  EMAIL_SUPPRESSIONS_TABLE: 'EmailSuppressions',
  OUTBOX_TABLE: 'Outbox',
} as const;

export type TableEnvVar = keyof typeof tableEnvDefaults;

// DynamoDB's own rule for table names.
const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be 3-255 of A-Z a-z 0-9 _ . -');
const positiveInt = z.coerce.number().int().positive();

const tableFields = Object.fromEntries(
  Object.entries(tableEnvDefaults).map(([name, fallback]) => [name, tableName.default(fallback)]),
) as { [K in TableEnvVar]: z.ZodDefault<typeof tableName> };

const envSchema = z.object({
  ...tableFields,
  JWT_ALGORITHM: z.enum(['HS256', 'ES256']).default('HS256'),
  // HS256 wants at least 256 bits of key (RFC 7518 3.2).
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_SECRET_NAME: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).default('lambdalith'),
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.max(86_400).default(900),
  API_KEY_PEPPER: z.string().min(32, 'must be at least 32 characters').optional(),
  API_KEY_PEPPER_SECRET_NAME: z.string().min(1).optional(),
  TENANT_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  /** How often a warm container checks whether a key was revoked or a site changed (S30, S48): the bound. */
  REVOCATION_CHECK_SECONDS: z.coerce.number().min(0).max(60).default(5),
  SCRYPT_LOG_N: z.coerce.number().int().min(10).max(20).default(16),
  SCRYPT_R: positiveInt.max(32).default(8),
  SCRYPT_P: positiveInt.max(16).default(2),
  MAX_BODY_BYTES: positiveInt.max(6 * 1024 * 1024).default(64 * 1024),
  EMAIL_QUEUE_URL: z.url().optional(),
  EMAIL_DLQ_URL: z.url().optional(),
  /** Key material for encrypting TOTP secrets at rest (S27): given directly (local), or a secret's name. */
  MFA_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  MFA_KEY_SECRET_NAME: z.string().min(1).optional(),
  EMAIL_FROM: z.string().min(3).default('no-reply@example.com'),
  /** The SES identity (a domain or an address) this deployment may send as; sites' senders must be within it. */
  EMAIL_SENDER_IDENTITY: z.string().min(3).max(253).optional(),
  /** Where this deployment is reachable; hosted pages (reset, verify) link here when a site has no URL of its own. */
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMS_QUEUE_URL: z.url().optional(),
  SMS_DLQ_URL: z.url().optional(),
  /** A Secrets Manager secret holding {"account_sid","auth_token","from"}; its presence turns SMS on. */
  TWILIO_SECRET_ARN: z.string().min(1).optional(),
  /** Local alternative to the secret. */
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
  TWILIO_FROM: z.string().min(2).optional(),
  /** Tests and local fakes only: where the Twilio SDK's requests go instead of https://api.twilio.com. */
  TWILIO_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** make dev only: with no Twilio credentials, the SMS worker prints messages instead of sending them. */
  SMS_TO_CONSOLE: z.enum(['true', 'false']).optional(),
});

/** A value given directly, or the name of a Secrets Manager secret holding it. */
export type SecretSource = { value?: string; secretName?: string };

export type Config = {
  tables: {
    users: string;
    blacklist: string;
    passwordResets: string;
    loginAttempts: string;
    tenants: string;
    apiKeys: string;
    sessions: string;
    audit: string;
    tenantOrigins: string;
    idempotency: string;
    emailSuppressions: string;
    outbox: string;
  };
  jwt: {
    algorithm: 'HS256' | 'ES256';
    key: SecretSource;
    issuer: string;
    accessTokenTtlSeconds: number;
  };
  apiKeyPepper: SecretSource;
  tenantCacheSeconds: number;
  revocationCheckSeconds: number;
  scrypt: { logN: number; r: number; p: number };
  maxBodyBytes: number;
  emailQueueUrl?: string;
  emailDlqUrl?: string;
  mfaKey: SecretSource;
  emailFrom: string;
  emailSenderIdentity?: string;
  publicBaseUrl?: string;
  sms: {
    /** Whether sites may use SMS codes: Twilio is configured, or make dev prints them. */
    enabled: boolean;
    queueUrl?: string;
    dlqUrl?: string;
    twilio: {
      secretArn?: string;
      accountSid?: string;
      authToken?: string;
      from?: string;
      apiUrl?: string;
    };
    toConsole: boolean;
  };
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty string is how shells and templates say "unset".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(present);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)),
    ...eitherOrProblems(present),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    tables: {
      users: e.USERS_TABLE,
      blacklist: e.BLACKLIST_TABLE,
      passwordResets: e.PASSWORD_RESET_TABLE,
      loginAttempts: e.LOGIN_ATTEMPTS_TABLE,
      tenants: e.TENANTS_TABLE,
      apiKeys: e.API_KEYS_TABLE,
      sessions: e.SESSIONS_TABLE,
      audit: e.AUDIT_TABLE,
      tenantOrigins: e.TENANT_ORIGINS_TABLE,
      idempotency: e.IDEMPOTENCY_TABLE,
      emailSuppressions: e.EMAIL_SUPPRESSIONS_TABLE,
      outbox: e.OUTBOX_TABLE,
    },
    jwt: {
      algorithm: e.JWT_ALGORITHM,
      key: { value: e.JWT_SECRET, secretName: e.JWT_SECRET_NAME },
      issuer: e.JWT_ISSUER,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    },
    apiKeyPepper: { value: e.API_KEY_PEPPER, secretName: e.API_KEY_PEPPER_SECRET_NAME },
    tenantCacheSeconds: e.TENANT_CACHE_SECONDS,
    revocationCheckSeconds: e.REVOCATION_CHECK_SECONDS,
    scrypt: { logN: e.SCRYPT_LOG_N, r: e.SCRYPT_R, p: e.SCRYPT_P },
    maxBodyBytes: e.MAX_BODY_BYTES,
    emailQueueUrl: e.EMAIL_QUEUE_URL,
    emailDlqUrl: e.EMAIL_DLQ_URL,
    mfaKey: { value: e.MFA_KEY, secretName: e.MFA_KEY_SECRET_NAME },
    emailFrom: e.EMAIL_FROM,
    emailSenderIdentity: e.EMAIL_SENDER_IDENTITY?.toLowerCase(),
    publicBaseUrl: e.PUBLIC_BASE_URL?.replace(/\/+$/, ''),
    sms: {
      enabled: Boolean(e.TWILIO_SECRET_ARN || e.TWILIO_ACCOUNT_SID || e.SMS_TO_CONSOLE === 'true'),
      queueUrl: e.SMS_QUEUE_URL,
      dlqUrl: e.SMS_DLQ_URL,
      twilio: {
        secretArn: e.TWILIO_SECRET_ARN,
        accountSid: e.TWILIO_ACCOUNT_SID,
        authToken: e.TWILIO_AUTH_TOKEN,
        from: e.TWILIO_FROM,
        apiUrl: e.TWILIO_API_URL?.replace(/\/+$/, ''),
      },
      toConsole: e.SMS_TO_CONSOLE === 'true',
    },
  };
}

// Checked beside the schema, not in a refinement, so they are reported even when other fields fail too.
function eitherOrProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (!env.JWT_SECRET && !env.JWT_SECRET_NAME) problems.push('JWT_SECRET: set JWT_SECRET or JWT_SECRET_NAME');
  if (!env.API_KEY_PEPPER && !env.API_KEY_PEPPER_SECRET_NAME) {
    problems.push('API_KEY_PEPPER: set API_KEY_PEPPER or API_KEY_PEPPER_SECRET_NAME');
  }
  if (env.TWILIO_ACCOUNT_SID && (!env.TWILIO_AUTH_TOKEN || !env.TWILIO_FROM)) {
    problems.push('TWILIO_ACCOUNT_SID: needs TWILIO_AUTH_TOKEN and TWILIO_FROM too');
  }
  return problems;
}

let cached: Config | undefined;

/** The process's configuration, validated on first use. */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}
