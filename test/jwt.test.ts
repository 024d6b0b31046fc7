import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { useClock } from '../src/core/clock';
import { UnauthorizedError } from '../src/core/errors';
import { createTokenService } from '../src/core/jwt';
import { secretsSdk } from '../src/dev/aws';

const secret = 'test-hs256-secret-test-hs256-secret-0123456789';
const issuer = 'lambdalith';
const audience = 'ClientA#SiteA';
const hs = () => createTokenService({ algorithm: 'HS256', key: { value: secret }, issuer });

function ecPem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);
const goodClaims = () => ({
  iss: issuer,
  aud: audience,
  sub: 'u1',
  jti: 'j1',
  iat: nowSeconds(),
  exp: nowSeconds() + 300,
});

async function expectRefused(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  expect((error as UnauthorizedError).status).toBe(401);
  expect((error as UnauthorizedError).code).toBe('invalid_token');
}

let restoreClock: (() => void) | undefined;
afterEach(() => restoreClock?.());

describe('jwt', () => {
  it('signs and verifies an HS256 access token with sub, aud, jti, iat, exp and extra claims', async () => {
    const service = hs();
    const token = await service.sign({
      kind: 'access',
      subject: 'u1',
      audience,
      ttlSeconds: 900,
      claims: { sid: 's1' },
    });
    const claims = await service.verify(token, { kind: 'access', audience });
    expect(claims).toMatchObject({ sub: 'u1', aud: audience, iss: issuer, sid: 's1' });
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('signs ES256 and publishes the public key in JWKS so a site can verify offline', async () => {
    const { privatePem } = ecPem();
    const service = createTokenService({ algorithm: 'ES256', key: { value: privatePem }, issuer });
    const token = await service.sign({ kind: 'access', subject: 'u1', audience, ttlSeconds: 900 });
    const jwks = await service.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer,
      audience,
    });
    expect(payload.sub).toBe('u1');
    expect(protectedHeader.kid).toBe(jwks.keys[0]?.kid);
  });

  it('never publishes an HS256 key', async () => {
    expect(await hs().jwks()).toEqual({ keys: [] });
  });

  it('refuses an ES256 configuration whose key is not a P-256 private key, with a clear message', async () => {
    const service = createTokenService({ algorithm: 'ES256', key: { value: 'not a pem' }, issuer });
    await expect(service.jwks()).rejects.toThrow(/ES256 needs a PEM P-256 private key/);
  });

  it('fetches the signing key from Secrets Manager once per container when JWT_SECRET_NAME is set', async () => {
    const sdk = secretsSdk();
    const client = new sdk.SecretsManagerClient({});
    const name = `test/jwt-${Date.now()}`;
    await client.send(new sdk.CreateSecretCommand({ Name: name, SecretString: secret }));
    const service = createTokenService({ algorithm: 'HS256', key: { secretName: name }, issuer });
    const token = await service.sign({ kind: 'access', subject: 'u1', audience, ttlSeconds: 60 });
    // Same key as a service given the value directly: it really came from the secret.
    await expect(hs().verify(token, { kind: 'access', audience })).resolves.toMatchObject({ sub: 'u1' });
    // Rotating the secret does not reach a warm container: the key was fetched once.
    await client.send(new sdk.PutSecretValueCommand({ SecretId: name, SecretString: 'rotated'.repeat(8) }));
    await expect(service.verify(token, { kind: 'access', audience })).resolves.toMatchObject({ sub: 'u1' });
    client.destroy();
  });

  describe('S10: algorithms are pinned', () => {
    it('refuses alg=none', async () => {
      const token = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(goodClaims())}.`;
      await expectRefused(hs().verify(token, { kind: 'access', audience }));
    });

    it('refuses an HS256 token signed with the ES256 public key (key confusion)', async () => {
      const { privatePem, publicPem } = ecPem();
      const service = createTokenService({ algorithm: 'ES256', key: { value: privatePem }, issuer });
      const kid = (await service.jwks()).keys[0]?.kid as string;
      const forged = await new SignJWT(goodClaims())
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid })
        .sign(new TextEncoder().encode(publicPem));
      await expectRefused(service.verify(forged, { kind: 'access', audience }));
    });

    it('refuses a token from a key with an unknown kid', async () => {
      const ours = createTokenService({ algorithm: 'ES256', key: { value: ecPem().privatePem }, issuer });
      const theirs = createTokenService({ algorithm: 'ES256', key: { value: ecPem().privatePem }, issuer });
      const token = await theirs.sign({ kind: 'access', subject: 'u1', audience, ttlSeconds: 60 });
      await expectRefused(ours.verify(token, { kind: 'access', audience }));
    });

    it('refuses an HS256 token that carries a kid we never issue', async () => {
      const token = await new SignJWT(goodClaims())
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'other' })
        .sign(new TextEncoder().encode(secret));
      await expectRefused(hs().verify(token, { kind: 'access', audience }));
    });

    it('refuses tampered, truncated and junk tokens with 401, never an exception of another kind', async () => {
      const service = hs();
      const token = await service.sign({ kind: 'access', subject: 'u1', audience, ttlSeconds: 60 });
      const [h, p, s] = token.split('.');
      const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p as string, 'base64url').toString()), sub: 'admin' })}.${s}`;
      for (const bad of [
        tampered,
        `${token}.extra`,
        `${h}.${p}`,
        '',
        'null',
        'a.b.c',
        'x'.repeat(16 * 1024),
      ]) {
        await expectRefused(service.verify(bad, { kind: 'access', audience }));
      }
    });
  });

  describe('S11: exp, iat, iss and aud are required; skew is at most 60 s', () => {
    for (const missing of ['exp', 'iat', 'iss', 'aud', 'sub', 'jti'] as const) {
      it(`refuses a token without ${missing}`, async () => {
        const claims: Record<string, unknown> = goodClaims();
        delete claims[missing];
        const token = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
          .sign(new TextEncoder().encode(secret));
        await expectRefused(hs().verify(token, { kind: 'access', audience }));
      });
    }

    it('accepts a token expired 30 s ago and refuses one expired 61 s ago', async () => {
      const service = hs();
      const start = Date.now();
      const token = await service.sign({ kind: 'access', subject: 'u1', audience, ttlSeconds: 60 });
      restoreClock = useClock({ now: () => start + 90_000 });
      await expect(service.verify(token, { kind: 'access', audience })).resolves.toMatchObject({ sub: 'u1' });
      restoreClock = useClock({ now: () => start + 122_000 });
      await expectRefused(service.verify(token, { kind: 'access', audience }));
    });

    it('refuses a token issued more than 60 s in the future', async () => {
      const service = hs();
      restoreClock = useClock({ now: () => Date.now() + 120_000 });
      const token = await service.sign({ kind: 'access', subject: 'u1', audience, ttlSeconds: 900 });
      restoreClock();
      restoreClock = undefined;
      await expectRefused(service.verify(token, { kind: 'access', audience }));
    });

    it("refuses another tenant's audience and another issuer", async () => {
      const token = await hs().sign({ kind: 'access', subject: 'u1', audience, ttlSeconds: 60 });
      await expectRefused(hs().verify(token, { kind: 'access', audience: 'ClientB#SiteB' }));
      const other = createTokenService({
        algorithm: 'HS256',
        key: { value: secret },
        issuer: 'someone-else',
      });
      await expectRefused(other.verify(token, { kind: 'access', audience }));
    });
  });

  it('S12: refuses a token of another kind (typ) where an access token is expected', async () => {
    const service = hs();
    const mfa = await service.sign({ kind: 'mfa', subject: 'u1', audience, ttlSeconds: 300 });
    await expectRefused(service.verify(mfa, { kind: 'access', audience }));
    const access = await service.sign({ kind: 'access', subject: 'u1', audience, ttlSeconds: 300 });
    await expectRefused(service.verify(access, { kind: 'mfa', audience }));
  });

  it('serves /.well-known/jwks.json with a cache header (HS256 here: no keys)', async () => {
    const res = await createApp().request('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await res.json()).toEqual({ keys: [] });
  });
});
