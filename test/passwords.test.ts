import { describe, expect, it } from 'vitest';
import { DEFAULT_DUMMY_HASH } from '../src/auth/login';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  meetsOwaspFloor,
  needsRehash,
  parseHash,
  scryptConfig,
  verifyPassword,
} from '../src/core/passwords';

const fast = { logN: 10, r: 8, p: 1 };

describe('passwords', () => {
  it('S4: the production default meets the OWASP scrypt floor, and so does the unconfigured config', () => {
    expect(meetsOwaspFloor(DEFAULT_SCRYPT)).toBe(true);
    expect(scryptConfig.load({})).toEqual(DEFAULT_SCRYPT);
  });

  it('S4: knows the floor and its equivalents', () => {
    expect(meetsOwaspFloor({ logN: 17, r: 8, p: 1 })).toBe(true);
    expect(meetsOwaspFloor({ logN: 15, r: 8, p: 3 })).toBe(true);
    expect(meetsOwaspFloor({ logN: 14, r: 8, p: 5 })).toBe(true);
    expect(meetsOwaspFloor({ logN: 16, r: 8, p: 1 })).toBe(false);
    expect(meetsOwaspFloor({ logN: 17, r: 4, p: 1 })).toBe(false);
    expect(meetsOwaspFloor({ logN: 13, r: 8, p: 16 })).toBe(false);
  });

  it('S4: hashes at the production cost (explicit maxmem lets N=2^16 and 2^17 run) and verifies', async () => {
    for (const params of [DEFAULT_SCRYPT, { logN: 17, r: 8, p: 1 }]) {
      const hash = await hashPassword('S3cur3Pass!', params);
      expect(hash.startsWith(`$scrypt$ln=${params.logN},r=8,p=${params.p}$`)).toBe(true);
      expect(await verifyPassword('S3cur3Pass!', hash)).toBe(true);
    }
  });

  it('S4: records its parameters and a fresh 16-byte salt in every hash', async () => {
    const a = await hashPassword('same password', fast);
    const b = await hashPassword('same password', fast);
    expect(a).not.toBe(b);
    const parsed = parseHash(a);
    expect(parsed?.params).toEqual(fast);
    expect(parsed?.salt).toHaveLength(16);
    expect(parsed?.key).toHaveLength(32);
  });

  it('refuses a wrong password', async () => {
    const hash = await hashPassword('S3cur3Pass!', fast);
    expect(await verifyPassword('S3cur3Pass?', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('S2: uses the password exactly as sent: no trimming, no case folding, no truncation', async () => {
    const hash = await hashPassword('Pass word 123', fast);
    expect(await verifyPassword(' Pass word 123', hash)).toBe(false);
    expect(await verifyPassword('Pass word 123 ', hash)).toBe(false);
    expect(await verifyPassword('pass word 123', hash)).toBe(false);
    const long = 'a'.repeat(200);
    const longHash = await hashPassword(long, fast);
    expect(await verifyPassword('a'.repeat(199), longHash)).toBe(false);
  });

  it('S2: NFC-normalises, so composed and decomposed forms of the same text match', async () => {
    const composed = 'Caf\u00e9-Gr\u00fc\u00dfe-2024';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const hash = await hashPassword(decomposed, fast);
    expect(await verifyPassword(composed, hash)).toBe(true);
  });

  it('S4: asks for a re-hash when stored parameters are below the configured ones', async () => {
    const weak = await hashPassword('pw-pw-pw-pw', fast);
    expect(needsRehash(weak, DEFAULT_SCRYPT)).toBe(true);
    expect(needsRehash(weak, fast)).toBe(false);
    expect(needsRehash('not a hash', fast)).toBe(true);
  });

  it('treats malformed or tampered stored hashes as a mismatch, never an exception', async () => {
    const hash = await hashPassword('pw-pw-pw-pw', fast);
    for (const stored of [
      '',
      'plaintext',
      hash.replace('ln=10', 'ln=99'),
      hash.replace('ln=10', 'ln=0'),
      `${hash}$extra`,
    ]) {
      expect(await verifyPassword('pw-pw-pw-pw', stored)).toBe(false);
    }
  });

  it('S6: the embedded dummy hash for unknown users is a well-formed hash at the production parameters', () => {
    const parsed = parseHash(DEFAULT_DUMMY_HASH);
    expect(parsed?.params).toEqual(DEFAULT_SCRYPT);
    expect(parsed?.salt).toHaveLength(16);
    expect(parsed?.key).toHaveLength(32);
  });
});
