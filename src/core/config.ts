// Configuration in slices: each part of the code declares the environment variables it reads (validated with zod,
// defaults in one place), and each Lambda function checks, at init, exactly the slices its code uses, naming every
// problem at once. Nothing below src/core reads process.env except through a slice.
import * as z from 'zod';

/** A value given directly, or the name of a Secrets Manager secret holding it. */
export type SecretSource = { value?: string; secretName?: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export type ConfigSlice<T> = {
  /** The slice's values from process.env, validated on first use and then kept. */
  (): T;
  /** The variables it reads, as template.yaml must provide them. */
  readonly variables: readonly string[];
  /** Everything wrong with it in `env` (empty when fine). */
  problems(env: Env): string[];
  /** Reads it from `env` (tests, tools); throws ConfigError. */
  load(env: Env): T;
};

/**
 * Declares a slice. `rules` adds checks across variables (one of two set, say); they are reported alongside the
 * schema's own, so a bad value never hides a missing one.
 */
export function configSlice<S extends z.ZodRawShape, T>(
  shape: S,
  build: (env: z.output<z.ZodObject<S>>) => T,
  rules: (env: Env) => string[] = () => [],
): ConfigSlice<T> {
  const schema = z.object(shape);
  const load = (env: Env): T => {
    // An empty string is how shells and templates say "unset".
    const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
    const parsed = schema.safeParse(present);
    const problems = [
      ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)),
      ...rules(present),
    ];
    if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
    return build(parsed.data);
  };
  let cached: T | undefined;
  const slice = (() => {
    cached ??= load(process.env);
    return cached;
  }) as ConfigSlice<T>;
  Object.defineProperties(slice, {
    variables: { value: Object.keys(shape) },
    problems: {
      value: (env: Env) => {
        try {
          load(env);
          return [];
        } catch (error) {
          if (error instanceof ConfigError) return error.problems;
          throw error;
        }
      },
    },
    load: { value: load },
  });
  return slice;
}

/** A function's init check: every slice it uses, every problem named in one error. */
export function assertConfig(slices: readonly ConfigSlice<unknown>[], env: Env = process.env): void {
  const problems = [...new Set(slices.flatMap((s) => s.problems(env)))];
  if (problems.length > 0) throw new ConfigError(problems);
  for (const slice of slices) slice();
}

/** One of two variables must be set: the value itself (local use) or a Secrets Manager secret's name. */
export const oneOf = (direct: string, secretName: string) => (env: Env) =>
  env[direct] || env[secretName] ? [] : [`${direct}: set ${direct} or ${secretName}`];

/** DynamoDB's own rule for table names. */
export const tableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be 3-255 of A-Z a-z 0-9 _ . -');
export const positiveInt = z.coerce.number().int().positive();

/** Tables the core data layer reads; each env var has the seed's default name, and the template wires each with !Ref. */
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
  OUTBOX_TABLE: 'Outbox',
} as const;

export const tables = configSlice(
  Object.fromEntries(
    Object.entries(tableEnvDefaults).map(([name, fallback]) => [name, tableName.default(fallback)]),
  ) as {
    [K in keyof typeof tableEnvDefaults]: z.ZodDefault<typeof tableName>;
  },
  (e) => ({
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
    outbox: e.OUTBOX_TABLE,
  }),
);

type TableVariable = keyof typeof tableEnvDefaults;

/**
 * The tables one function uses: a view of `tables` that checks (and asks the template for) just those variables.
 * The others keep their local defaults, which that function's code never reaches.
 */
export function tablesFor(...variables: TableVariable[]): ConfigSlice<ReturnType<typeof tables>> {
  const only = (env: Env) => Object.fromEntries(variables.map((name) => [name, env[name]]));
  const view = (() => tables()) as ConfigSlice<ReturnType<typeof tables>>;
  Object.defineProperties(view, {
    variables: { value: variables },
    problems: { value: (env: Env) => tables.problems(only(env)) },
    load: { value: (env: Env) => tables.load(only(env)) },
  });
  return view;
}
