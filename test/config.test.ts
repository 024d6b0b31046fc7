import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, tableEnvDefaults } from '../src/core/config';

const minimal = { JWT_SECRET: 'x'.repeat(32), API_KEY_PEPPER: 'p'.repeat(32) };

describe('config', () => {
  it("uses the seed's table names when none are set", () => {
    const config = loadConfig(minimal);
    expect(config.tables).toMatchObject({
      users: 'Users',
      blacklist: 'TokenBlacklist',
      passwordResets: 'PasswordResetTokens',
      loginAttempts: 'LoginAttempts',
      tenants: 'Tenants',
      sessions: 'Sessions',
      audit: 'AuditLog',
    });
    expect(Object.keys(tableEnvDefaults)).toHaveLength(Object.keys(config.tables).length);
  });

  it('reads table names, secret names and numbers from the environment', () => {
    const config = loadConfig({
      USERS_TABLE: 'prod-Users',
      JWT_SECRET_NAME: 'arn:aws:secretsmanager:us-east-1:1:secret:jwt',
      API_KEY_PEPPER_SECRET_NAME: 'pepper',
      ACCESS_TOKEN_TTL_SECONDS: '600',
    });
    expect(config.tables.users).toBe('prod-Users');
    expect(config.jwt.key).toEqual({
      value: undefined,
      secretName: 'arn:aws:secretsmanager:us-east-1:1:secret:jwt',
    });
    expect(config.jwt.accessTokenTtlSeconds).toBe(600);
  });

  it('turns SMS on only with Twilio credentials (a secret, or all three local values) or make dev printing', () => {
    expect(loadConfig(minimal).sms.enabled).toBe(false);
    expect(loadConfig({ ...minimal, TWILIO_SECRET_ARN: 'arn:aws:secretsmanager:x' }).sms.enabled).toBe(true);
    expect(loadConfig({ ...minimal, SMS_TO_CONSOLE: 'true' }).sms.enabled).toBe(true);
    // The template passes an empty string when no secret is configured: that is "unset".
    expect(loadConfig({ ...minimal, TWILIO_SECRET_ARN: '' }).sms.enabled).toBe(false);
    expect(() => loadConfig({ ...minimal, TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}` })).toThrow(
      /TWILIO_ACCOUNT_SID: needs TWILIO_AUTH_TOKEN and TWILIO_FROM/,
    );
    expect(() => loadConfig({ ...minimal, TWILIO_ACCOUNT_SID: 'not-a-sid' })).toThrow(/TWILIO_ACCOUNT_SID/);
  });

  it('fails with one message that names every missing or malformed variable', () => {
    let error: unknown;
    try {
      loadConfig({
        USERS_TABLE: 'has spaces',
        SCRYPT_LOG_N: 'lots',
        JWT_ALGORITHM: 'none',
        MAX_BODY_BYTES: '-1',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of [
      'USERS_TABLE',
      'SCRYPT_LOG_N',
      'JWT_ALGORITHM',
      'MAX_BODY_BYTES',
      'JWT_SECRET',
      'API_KEY_PEPPER',
    ]) {
      expect(message).toContain(name);
    }
    expect((error as ConfigError).problems.length).toBeGreaterThanOrEqual(6);
  });

  it('refuses an HS256 secret shorter than 256 bits', () => {
    expect(() => loadConfig({ ...minimal, JWT_SECRET: 'your-local-dev-secret' })).toThrow(
      /JWT_SECRET: must be at least 32/,
    );
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ ...minimal, USERS_TABLE: '' }).tables.users).toBe('Users');
    expect(() => loadConfig({ JWT_SECRET: '', API_KEY_PEPPER: 'p'.repeat(32) })).toThrow(/JWT_SECRET/);
  });
});
