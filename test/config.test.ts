// Configuration comes in slices owned by the code that reads them; each function checks exactly its slices at init,
// and template.yaml gives each function exactly the variables its slices read.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smsDelivery } from '../src/auth/mfa/config';
import { assertConfig, ConfigError, type ConfigSlice, tableEnvDefaults, tables } from '../src/core/config';
import { tokenConfig } from '../src/core/jwt';
import { scryptConfig } from '../src/core/passwords';
import { apiKeyConfig } from '../src/core/tenants';
import { localNames, resolveFunctionEnv } from '../src/dev/provision';
import { functionEnvironment, functionsOf, handlerOf, loadTemplate } from '../src/dev/template';
import { httpConfig } from '../src/http-config';
import { smsConfig } from '../src/sms/config';

const root = resolve(import.meta.dirname, '..');
const template = loadTemplate();

const problemsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('config slices', () => {
  it("uses the seed's table names when none are set, and every table variable has one", () => {
    expect(tables.load({})).toMatchObject({
      users: 'Users',
      blacklist: 'TokenBlacklist',
      passwordResets: 'PasswordResetTokens',
      loginAttempts: 'LoginAttempts',
      tenants: 'Tenants',
      sessions: 'Sessions',
      audit: 'AuditLog',
    });
    expect(Object.keys(tables.load({}))).toHaveLength(Object.keys(tableEnvDefaults).length);
  });

  it('reads table names, secret names and numbers from the environment', () => {
    expect(tables.load({ USERS_TABLE: 'prod-Users' }).users).toBe('prod-Users');
    const token = tokenConfig.load({
      JWT_SECRET_NAME: 'arn:aws:secretsmanager:us-east-1:1:secret:jwt',
      ACCESS_TOKEN_TTL_SECONDS: '600',
    });
    expect(token.key).toEqual({
      value: undefined,
      secretName: 'arn:aws:secretsmanager:us-east-1:1:secret:jwt',
    });
    expect(token.accessTokenTtlSeconds).toBe(600);
  });

  it('turns SMS on only with Twilio credentials (a secret, or all three local values) or make dev printing', () => {
    expect(smsDelivery.load({}).enabled).toBe(false);
    expect(smsDelivery.load({ TWILIO_SECRET_ARN: 'arn:aws:secretsmanager:x' }).enabled).toBe(true);
    expect(smsDelivery.load({ SMS_TO_CONSOLE: 'true' }).enabled).toBe(true);
    // The template passes an empty string when no secret is configured: that is "unset".
    expect(smsDelivery.load({ TWILIO_SECRET_ARN: '' }).enabled).toBe(false);
    expect(smsConfig.problems({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` })).toEqual([
      'TWILIO_ACCOUNT_SID: needs TWILIO_AUTH_TOKEN and TWILIO_FROM too',
    ]);
    expect(smsConfig.problems({ TWILIO_ACCOUNT_SID: 'not-a-sid' }).join()).toMatch(/TWILIO_ACCOUNT_SID/);
  });

  it("a function's init check names every missing or malformed variable of all its slices in one error", () => {
    const problems = problemsOf(() =>
      assertConfig([tables, scryptConfig, tokenConfig, apiKeyConfig, httpConfig], {
        USERS_TABLE: 'has spaces',
        SCRYPT_LOG_N: 'lots',
        JWT_ALGORITHM: 'none',
        MAX_BODY_BYTES: '-1',
      }),
    );
    for (const name of [
      'USERS_TABLE',
      'SCRYPT_LOG_N',
      'JWT_ALGORITHM',
      'MAX_BODY_BYTES',
      'JWT_SECRET',
      'API_KEY_PEPPER',
    ]) {
      expect(problems.join('\n')).toContain(name);
    }
    expect(problems.length).toBeGreaterThanOrEqual(6);
  });

  it('refuses an HS256 secret shorter than 256 bits', () => {
    expect(tokenConfig.problems({ JWT_SECRET: 'your-local-dev-secret' }).join()).toMatch(
      /JWT_SECRET: must be at least 32/,
    );
  });

  it('treats empty variables as unset', () => {
    expect(tables.load({ USERS_TABLE: '' }).users).toBe('Users');
    expect(tokenConfig.problems({ JWT_SECRET: '' }).join()).toMatch(/JWT_SECRET/);
  });
});

describe('each function of template.yaml', () => {
  const functions = functionsOf(template);
  const names = localNames(template);

  for (const [id, fn] of functions) {
    it(`${id}: gets exactly the variables its code reads (handlers' config), and they pass its init check`, async () => {
      const { entry } = handlerOf(fn);
      const { config } = (await import(resolve(root, entry))) as { config: ConfigSlice<unknown>[] };
      const reads = new Set(config.flatMap((slice) => slice.variables));
      const given = Object.keys(functionEnvironment(template, fn)).filter(
        (name) => !name.startsWith('POWERTOOLS_'),
      );
      const strays = given.filter((name) => !reads.has(name));
      expect(strays, `${id} is given variables its code never reads`).toEqual([]);
      // Table names have local defaults, which would name the wrong table in AWS: each one read must be given.
      const tablesRead = [...reads].filter((name) => name in tableEnvDefaults);
      expect(
        tablesRead.filter((name) => !given.includes(name)),
        `${id} reads tables it is not given`,
      ).toEqual([]);
      // The template's values (resolved as make dev resolves them) satisfy every slice: nothing required is missing.
      const env = resolveFunctionEnv(template, fn, names);
      expect(config.flatMap((slice) => slice.problems(env))).toEqual([]);
    });
  }
});
