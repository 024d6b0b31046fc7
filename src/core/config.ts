// Configuration in slices: each part of the code declares the environment variables it reads (typed, with their
// defaults, in one place), and each Lambda function checks, at init, exactly the slices its code uses, naming every
// problem at once. Nothing reads process.env except through a slice. The field readers below are our own rather
// than zod's: they run in every cold start, before any route, and zod costs ~30 ms to load there.

/** A value given directly, or the name of a Secrets Manager secret holding it. */
export type SecretSource = { value?: string; secretName?: string };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Why a variable's value was refused. */
class Refusal {
  constructor(readonly message: string) {}
}

/** One variable: how to read its text, and what it is when unset. */
export type Field<T> = {
  readonly read: (raw: string) => T | Refusal;
  readonly fallback: T;
  /** The same field with a default for when it is unset. */
  or(fallback: NonNullable<T>): Field<NonNullable<T>>;
};

function field<T>(read: (raw: string) => T | Refusal): Field<T | undefined> {
  const make = <F>(fallback: F): Field<F> => ({
    read: read as (raw: string) => F | Refusal,
    fallback,
    or: (value) => make(value),
  });
  return make<T | undefined>(undefined);
}

const refuse = (message: string) => new Refusal(message);

/** Text, optionally with bounds and a pattern (with the message to give when it does not match). */
export const text = (rule: { min?: number; max?: number; pattern?: RegExp; message?: string } = {}) =>
  field((raw) => {
    if (rule.min !== undefined && raw.length < rule.min)
      return refuse(`must be at least ${rule.min} characters`);
    if (rule.max !== undefined && raw.length > rule.max)
      return refuse(`must be at most ${rule.max} characters`);
    if (rule.pattern && !rule.pattern.test(raw)) return refuse(rule.message ?? `must match ${rule.pattern}`);
    return raw;
  });

/** A number within bounds; whole unless `fractions`. */
export const number = (min: number, max: number, { fractions = false } = {}) =>
  field((raw) => {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) return refuse('must be a number');
    if (!fractions && !Number.isInteger(value)) return refuse('must be a whole number');
    if (value < min || value > max) return refuse(`must be between ${min} and ${max}`);
    return value;
  });

/** One of the listed values. */
export const choice = <T extends string>(values: readonly T[]) =>
  field((raw) =>
    values.includes(raw as T)
      ? (raw as T)
      : refuse(`must be one of ${values.map((v) => `"${v}"`).join(', ')}`),
  );

/** An absolute http(s) URL. */
export const url = () =>
  field((raw) => {
    if (!URL.canParse(raw)) return refuse('must be a URL');
    return /^https?:$/.test(new URL(raw).protocol) ? raw : refuse('must be an http(s) URL');
  });

type Shape = Record<string, Field<unknown>>;
type Values<S extends Shape> = { [K in keyof S]: S[K]['fallback'] };

export type ConfigSlice<T> = {
  /** The slice's values from process.env, checked on first use and then kept. */
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
 * fields' own, so a bad value never hides a missing one.
 */
export function configSlice<S extends Shape, T>(
  shape: S,
  build: (env: Values<S>) => T,
  rules: (env: Env) => string[] = () => [],
): ConfigSlice<T> {
  const load = (env: Env): T => {
    // An empty string is how shells and templates say "unset".
    const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
    const values: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const [name, f] of Object.entries(shape)) {
      const raw = present[name];
      const value = raw === undefined ? f.fallback : f.read(raw);
      if (value instanceof Refusal) problems.push(`${name}: ${value.message}`);
      else values[name] = value;
    }
    problems.push(...rules(present));
    if (problems.length > 0) throw new ConfigError(problems);
    return build(values as Values<S>);
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
export const tableName = () =>
  text({ pattern: /^[A-Za-z0-9_.-]{3,255}$/, message: 'must be 3-255 of A-Z a-z 0-9 _ . -' });
/** A secret's value given directly (local use): long enough to be one. */
export const secretValue = () => text({ min: 32 });

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
  SECRET_KEYS_TABLE: 'SecretKeys',
  SECRET_MESSAGES_TABLE: 'SecretMessages',
  SCRAPE_JOBS_TABLE: 'ScrapeJobs',
  SCRAPE_RESULTS_TABLE: 'ScrapeResults',
  SCRAPE_HOSTS_TABLE: 'ScrapeHosts',
  PUBLISH_RECORDS_TABLE: 'PublishRecords',
  STATS_TABLE: 'Stats',
  IDENTITIES_TABLE: 'Identities',
  AUTH_FLOWS_TABLE: 'AuthFlows',
  BILLING_TABLE: 'Billing',
} as const;

export const tables = configSlice(
  Object.fromEntries(
    Object.entries(tableEnvDefaults).map(([name, fallback]) => [name, tableName().or(fallback)]),
  ) as { [K in keyof typeof tableEnvDefaults]: Field<string> },
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
    secretKeys: e.SECRET_KEYS_TABLE,
    secretMessages: e.SECRET_MESSAGES_TABLE,
    scrapeJobs: e.SCRAPE_JOBS_TABLE,
    scrapeResults: e.SCRAPE_RESULTS_TABLE,
    scrapeHosts: e.SCRAPE_HOSTS_TABLE,
    publishRecords: e.PUBLISH_RECORDS_TABLE,
    stats: e.STATS_TABLE,
    identities: e.IDENTITIES_TABLE,
    authFlows: e.AUTH_FLOWS_TABLE,
    billing: e.BILLING_TABLE,
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
