// Secret messages through the API: keys, sending, opening once, receipts, expiry, isolation and what the
// server keeps (S28, S37-S39, S43, S49).
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { useClock } from '../../src/core/clock';
import { tables } from '../../src/core/config';
import { documentClient } from '../../src/core/db/client';
import { getSecretKey } from '../../src/core/db/secret-keys';
import { unwrapPrivateKey } from '../../src/secrets/browser/unwrap';
import { fromBase64Url, openEnvelope, toBase64Url } from '../../src/secrets/envelope';
import { bearer, client, withKey } from '../support/http';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';
import { openWith, recipient, secretsSite, send } from './support';

const app = createApp();
const api = client(app);
let site: TestTenant;

beforeAll(async () => {
  site = await secretsSite();
});

const open = (token: string, id: string, password: string) => openWith(app, token, id, password);

describe('keys (S37)', () => {
  it('makes one keypair per user: the recovery key shown once, the private key stored only wrapped', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const made = await api.post('/secrets/keys', { password: user.password }, bearer(user.token));
    expect(made.status).toBe(201);
    expect(made.body.inbox).toMatch(/^[\w-]{24}$/);
    expect(fromBase64Url(made.body.public_key)).toHaveLength(32);
    expect(made.body.recovery_key).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$/);
    const again = await api.post('/secrets/keys', { password: user.password }, bearer(user.token));
    expect(again.status).toBe(409);
    const described = await api.get('/secrets/keys', bearer(user.token));
    expect(described.body).toEqual({
      inbox: made.body.inbox,
      public_key: made.body.public_key,
      fingerprint: made.body.fingerprint,
      created_at: expect.any(String),
    });
    expect(described.body).not.toHaveProperty('recovery_key');
    const stored = JSON.stringify(
      await getSecretKey(JSON.parse(atob(user.token.split('.')[1] as string)).sub),
    );
    expect(stored).not.toContain(user.password);
    expect(stored).not.toContain(made.body.recovery_key);
    expect(stored).toContain('"kdf":"scrypt"');
  });

  it('a wrong password makes no key and counts toward the sign-in lockout (S7)', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await api.post('/secrets/keys', { password: `wrong ${i}` }, bearer(user.token))).status);
    }
    // Wrong, wrong, wrong, then slowed down and locked, exactly as at sign-in.
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.at(-1)).toBe(429);
    const locked = await api.post('/secrets/keys', { password: user.password }, bearer(user.token));
    expect(locked.status).toBe(429);
    expect((await api.get('/secrets/keys', bearer(user.token))).status).toBe(404);
  });
});

describe('sending and opening', () => {
  it('the seed flow: a sender seals to the inbox; the owner opens it once with the password; then it is gone', async () => {
    const to = await recipient(app, site.apiKey);
    const inbox = await api.get(`/secrets/inbox/${to.inbox}`, withKey(site.apiKey));
    expect(inbox.body).toEqual({
      public_key: to.publicKey,
      fingerprint: expect.stringMatching(/^SHA256:/),
      max_bytes: 65536,
      ttl_seconds: { min: 300, max: 2_592_000, default: 604_800 },
    });
    const sent = await send(app, site.apiKey, to, 'meet at the usual place');
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({
      id: expect.any(String),
      expires_at: expect.any(String),
      receipt: expect.any(String),
    });
    const listed = await api.get('/secrets/messages', bearer(to.token));
    expect(listed.body.messages).toEqual([
      {
        id: sent.body.id,
        created_at: expect.any(String),
        expires_at: sent.body.expires_at,
        bytes: expect.any(Number),
        reads_left: 1,
      },
    ]);
    const receipt = () => api.get(`/secrets/receipts/${sent.body.receipt}`, withKey(site.apiKey));
    expect((await receipt()).body).toEqual({ status: 'unread' });
    const opened = await open(to.token, sent.body.id, to.password);
    expect(opened.status).toBe(200);
    expect(opened.body).toEqual({
      id: sent.body.id,
      text: 'meet at the usual place',
      created_at: expect.any(String),
    });
    expect((await open(to.token, sent.body.id, to.password)).status).toBe(404);
    expect((await api.get('/secrets/messages', bearer(to.token))).body.messages).toEqual([]);
    expect((await receipt()).body).toEqual({ status: 'read', read_at: expect.any(String) });
  });

  it('S38: twenty concurrent opens of a one-read message give exactly one plaintext', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'only once');
    const results = await Promise.all(
      Array.from({ length: 20 }, () => open(to.token, sent.body.id, to.password)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    // The rest find it gone, or are held back by the password budget (which counts attempts in flight).
    expect(results.every((r) => [200, 404, 429].includes(r.status))).toBe(true);
    expect((await open(to.token, sent.body.id, to.password)).status).toBe(404);
  });

  it('S38: max_reads 3 gives exactly three reads, even twenty at once', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'three times', { max_reads: 3 });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => open(to.token, sent.body.id, to.password)),
    );
    expect(results.filter((r) => r.status === 200).map((r) => r.body.text)).toEqual([
      'three times',
      'three times',
      'three times',
    ]);
    expect(results.every((r) => [200, 404, 429].includes(r.status))).toBe(true);
    expect((await open(to.token, sent.body.id, to.password)).status).toBe(404);
  });

  it('S49: a wrong password and a tampered envelope answer alike; wrong passwords count toward lockout', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'kept safe');
    const wrong = await open(to.token, sent.body.id, 'not my password');
    // A well-formed envelope that does not open (a sender's tampering).
    const bytes = new Uint8Array(80).fill(7);
    const junk = await api.post(
      `/secrets/inbox/${to.inbox}/messages`,
      { envelope: `v1.${toBase64Url(bytes)}` },
      withKey(site.apiKey),
    );
    expect(junk.status).toBe(201);
    const tampered = await open(to.token, junk.body.id, to.password);
    expect(wrong.status).toBe(403);
    expect(tampered.status).toBe(403);
    expect(wrong.body).toEqual(tampered.body);
    expect(wrong.body).toEqual({ detail: 'The message could not be opened', code: 'cannot_open' });
    // The wrong password spent no read: the right one still opens it.
    expect((await open(to.token, sent.body.id, to.password)).body.text).toBe('kept safe');
    const other = await send(app, site.apiKey, to, 'locked away');
    for (let i = 0; i < 4; i++) await open(to.token, other.body.id, `wrong ${i}`);
    expect((await open(to.token, other.body.id, to.password)).status).toBe(429);
  });

  it("S49: unknown, expired, already read and another user's messages all look the same 404", async () => {
    const to = await recipient(app, site.apiKey);
    const other = await recipient(app, site.apiKey);
    const read = await send(app, site.apiKey, to, 'read already');
    await open(to.token, read.body.id, to.password);
    const expiring = await send(app, site.apiKey, to, 'expiring', { ttl_seconds: 300 });
    const theirs = await send(app, site.apiKey, other, 'for the other user');
    const unknown = 'AAAAAAAAAAAAAAAAAAAAAA';
    const answers = async (id: string) => {
      const opened = await open(to.token, id, to.password);
      const sealed = await api.get(`/secrets/messages/${id}/sealed`, bearer(to.token));
      const burned = await api.post(`/secrets/messages/${id}/burn`, {}, bearer(to.token));
      return [opened, sealed, burned].map((r) => ({ status: r.status, body: r.body }));
    };
    const restore = useClock({ now: () => Date.now() + 301_000 });
    let expired: Awaited<ReturnType<typeof answers>>;
    try {
      expired = await answers(expiring.body.id);
    } finally {
      restore();
    }
    const reference = await answers(unknown);
    expect(reference[0]).toEqual({ status: 404, body: { code: 'not_found', detail: 'No such message' } });
    const others = [read.body.id, theirs.body.id, 'not-an-id'];
    for (const result of [expired, ...(await Promise.all(others.map(answers)))]) {
      expect(result).toEqual(reference);
    }
    // The other user's message was untouched by all that.
    expect((await open(other.token, theirs.body.id, other.password)).body.text).toBe('for the other user');
  });

  it('S49: a receipt tells its status and nothing else; an unknown receipt is a 404', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'receipt check', { max_reads: 2 });
    const receipt = () => api.get(`/secrets/receipts/${sent.body.receipt}`, withKey(site.apiKey));
    expect((await receipt()).body).toEqual({ status: 'unread' });
    await open(to.token, sent.body.id, to.password);
    // The first read is what the sender learns; how many reads remain is the recipient's business.
    const first = (await receipt()).body;
    expect(first).toEqual({ status: 'read', read_at: expect.any(String) });
    await open(to.token, sent.body.id, to.password);
    expect((await receipt()).body).toEqual(first);
    expect((await api.get('/secrets/receipts/AAAAAAAAAAAAAAAAAAAAAA', withKey(site.apiKey))).status).toBe(
      404,
    );
  });

  it('the zero-knowledge path: fetch sealed (changes nothing), open on the device, burn', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'decrypted on my phone');
    const sealed = await api.get(`/secrets/messages/${sent.body.id}/sealed`, bearer(to.token));
    expect(sealed.status).toBe(200);
    expect((await api.get(`/secrets/messages/${sent.body.id}/sealed`, bearer(to.token))).status).toBe(200);
    const publicKey = fromBase64Url(sealed.body.public_key);
    const privateKey = await unwrapPrivateKey(sealed.body.wrapped_key, to.password, publicKey);
    expect(await openEnvelope(privateKey, sealed.body.envelope)).toBe('decrypted on my phone');
    expect(
      (await api.post(`/secrets/messages/${sent.body.id}/burn`, undefined, bearer(to.token))).status,
    ).toBe(204);
    expect((await api.get(`/secrets/messages/${sent.body.id}/sealed`, bearer(to.token))).status).toBe(404);
    const receipt = await api.get(`/secrets/receipts/${sent.body.receipt}`, withKey(site.apiKey));
    expect(receipt.body.status).toBe('read');
  });

  it('a site can turn server-side opening off, leaving only the device path', async () => {
    const zk = await secretsSite({ server_open: false });
    const to = await recipient(app, zk.apiKey);
    const sent = await send(app, zk.apiKey, to, 'device only');
    const res = await open(to.token, sent.body.id, to.password);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('server_open_disabled');
    expect((await api.get(`/secrets/messages/${sent.body.id}/sealed`, bearer(to.token))).status).toBe(200);
  });
});

describe('limits', () => {
  it('refuses an envelope over the size limit with a clear 413, and malformed ones with 422', async () => {
    const small = await secretsSite({ max_bytes: 2048 });
    const to = await recipient(app, small.apiKey);
    const big = await send(app, small.apiKey, to, 'x'.repeat(3000));
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('envelope_too_large');
    const bad = await api.post(
      `/secrets/inbox/${to.inbox}/messages`,
      { envelope: 'v2.nope' },
      withKey(small.apiKey),
    );
    expect(bad.status).toBe(422);
    const both = await api.post(
      `/secrets/inbox/${to.inbox}/messages`,
      { envelope: 'v1.x', text: 'y' },
      withKey(small.apiKey),
    );
    expect(both.status).toBe(422);
    // The default limit takes a full 64 KiB envelope.
    const roomy = await recipient(app, site.apiKey);
    const largest = await send(app, site.apiKey, roomy, 'y'.repeat(48_000));
    expect(largest.status).toBe(201);
  });

  it('TTL within the site bounds (5 minutes to 30 days by default); max_reads 1 to 10', async () => {
    const to = await recipient(app, site.apiKey);
    for (const ttl of [299, 2_592_001]) {
      const res = await send(app, site.apiKey, to, 'x', { ttl_seconds: ttl });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].field).toBe('ttl_seconds');
    }
    expect((await send(app, site.apiKey, to, 'x', { max_reads: 11 })).status).toBe(422);
    expect((await send(app, site.apiKey, to, 'x', { ttl_seconds: 300, max_reads: 10 })).status).toBe(201);
  });

  it('sending is rate limited per inbox, and each user has a storage quota', async () => {
    const tight = await secretsSite({ send_per_hour_per_inbox: 2, quota_bytes: 65_536 });
    const to = await recipient(app, tight.apiKey);
    expect((await send(app, tight.apiKey, to, 'one')).status).toBe(201);
    expect((await send(app, tight.apiKey, to, 'two')).status).toBe(201);
    const third = await send(app, tight.apiKey, to, 'three');
    expect(third.status).toBe(429);
    const full = await secretsSite({ quota_bytes: 65_536 });
    const owner = await recipient(app, full.apiKey);
    expect((await send(app, full.apiKey, owner, 'z'.repeat(40_000))).status).toBe(201);
    const over = await send(app, full.apiKey, owner, 'z'.repeat(40_000));
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('inbox_full');
    // Reading frees the space.
    const [waiting] = (await api.get('/secrets/messages', bearer(owner.token))).body.messages;
    await open(owner.token, waiting.id, owner.password);
    expect((await send(app, full.apiKey, owner, 'z'.repeat(40_000))).status).toBe(201);
  });

  it('fifty senders at once never push an inbox past its quota', async () => {
    const tight = await secretsSite({
      quota_bytes: 65_536,
      send_per_hour_per_inbox: 1000,
      send_per_hour_per_ip: 1000,
    });
    const owner = await recipient(app, tight.apiKey);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => send(app, tight.apiKey, owner, `${i}`.padEnd(10_000, '.'))),
    );
    expect(results.every((r) => [201, 409].includes(r.status))).toBe(true);
    const accepted = results.filter((r) => r.status === 201).length;
    const listed = (await api.get('/secrets/messages', bearer(owner.token))).body.messages as {
      bytes: number;
    }[];
    expect(listed).toHaveLength(accepted);
    expect(listed.reduce((sum, m) => sum + m.bytes, 0)).toBeLessThanOrEqual(65_536);
    expect(accepted).toBeGreaterThan(0);
  });

  it('plaintext sending is off unless the site allows it; then the text is sealed at once and never stored', async () => {
    const to = await recipient(app, site.apiKey);
    const refused = await api.post(
      `/secrets/inbox/${to.inbox}/messages`,
      { text: 'hello' },
      withKey(site.apiKey),
    );
    expect(refused.status).toBe(403);
    const open_ = await secretsSite({ plaintext_send: true });
    const reader = await recipient(app, open_.apiKey);
    const marker = `plaintext-marker-${Date.now()}`;
    const sent = await api.post(
      `/secrets/inbox/${reader.inbox}/messages`,
      { text: marker },
      withKey(open_.apiKey),
    );
    expect(sent.status).toBe(201);
    const { Items = [] } = await documentClient.send(new ScanCommand({ TableName: tables().secretMessages }));
    expect(JSON.stringify(Items)).not.toContain(marker);
    expect((await open(reader.token, sent.body.id, reader.password)).body.text).toBe(marker);
  });
});

describe('isolation (S28)', () => {
  it("another site's key finds no inbox, sends nothing and reads no receipt; its users see nothing", async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'for site A');
    const other = await secretsSite();
    expect((await api.get(`/secrets/inbox/${to.inbox}`, withKey(other.apiKey))).status).toBe(404);
    expect((await send(app, other.apiKey, to, 'from B')).status).toBe(404);
    expect((await api.get(`/secrets/receipts/${sent.body.receipt}`, withKey(other.apiKey))).status).toBe(404);
    const stranger = await recipient(app, other.apiKey);
    expect((await api.get('/secrets/messages', bearer(stranger.token))).body.messages).toEqual([]);
    expect((await open(stranger.token, sent.body.id, stranger.password)).status).toBe(404);
    // A key without the secrets scope opens nothing either.
    const authOnly = await createTestTenant();
    expect((await api.get(`/secrets/inbox/${to.inbox}`, withKey(authOnly.apiKey))).status).toBe(403);
  });
});
