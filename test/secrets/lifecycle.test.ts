// What happens to secret messages over time and across credential changes: password change keeps them readable
// (the key is re-wrapped), a reset locks them until the recovery key unlocks them, expiry is enforced on read
// before any reaper runs, the reaper deletes without a Scan, and nothing secret reaches a log (S38, S39, S43).
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { useClock } from '../../src/core/clock';
import { documentClient } from '../../src/core/db/client';
import { unwrapPrivateKey } from '../../src/secrets/browser/unwrap';
import { fromBase64Url } from '../../src/secrets/envelope';
import { reapExpiredMessages } from '../../src/secrets/reaper';
import { getMessage, spendRead } from '../../src/secrets/store';
import { bearer, client, withKey } from '../support/http';
import { captureOutput } from '../support/logs';
import { resetTokenFor } from '../support/queued-jobs';
import type { TestTenant } from '../support/tenants';
import { openWith, recipient, secretsSite, send } from './support';

const app = createApp();
const api = client(app);
let site: TestTenant;

beforeAll(async () => {
  site = await secretsSite();
});

const open = (token: string, id: string, password: string) => openWith(app, token, id, password);
const signIn = async (email: string, password: string) =>
  (await api.post('/auth/login', { email, password }, withKey(site.apiKey))).body.token as string;

async function resetPassword(email: string, password: string) {
  await api.post('/auth/password-reset', { email }, withKey(site.apiKey));
  return api.post('/auth/password-reset/confirm', {
    token: await resetTokenFor(email),
    new_password: password,
  });
}

describe('S39: credentials and the key', () => {
  it('a password change re-wraps the key: earlier messages open with the new password', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'before the change');
    const changed = await api.post(
      '/auth/password/change',
      { current_password: to.password, new_password: 'a brand new passphrase' },
      bearer(to.token),
    );
    expect(changed.status).toBe(200);
    const token = changed.body.token as string;
    expect((await open(token, sent.body.id, to.password)).status).toBe(403);
    expect((await open(token, sent.body.id, 'a brand new passphrase')).body.text).toBe('before the change');
  });

  it('a reset without the recovery key leaves earlier messages locked, and says so; the recovery key unlocks them', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'survives a reset');
    const reset = await resetPassword(to.email, 'the reset passphrase');
    expect(reset.body).toEqual({
      message: 'Password reset successful',
      secret_messages: 'locked_until_recovery',
    });
    const token = await signIn(to.email, 'the reset passphrase');
    const locked = await open(token, sent.body.id, 'the reset passphrase');
    expect(locked.status).toBe(409);
    expect(locked.body.code).toBe('secret_key_locked');
    // Messages sent after the reset are sealed to the same key: locked too, until recovery.
    expect((await api.get('/secrets/messages', bearer(token))).body.messages).toHaveLength(1);
    const wrongKey = await api.post(
      '/secrets/keys/recover',
      { recovery_key: 'AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA', password: 'the reset passphrase' },
      bearer(token),
    );
    expect(wrongKey.status).toBe(403);
    const recovered = await api.post(
      '/secrets/keys/recover',
      { recovery_key: to.recoveryKey, password: 'the reset passphrase' },
      bearer(token),
    );
    expect(recovered.status).toBe(200);
    expect((await open(token, sent.body.id, 'the reset passphrase')).body.text).toBe('survives a reset');
  });

  it('S39: a reset and a lost recovery key: the old messages stay sealed; replacing the key starts over on the same inbox', async () => {
    const to = await recipient(app, site.apiKey);
    const before = await send(app, site.apiKey, to, 'sealed to the old key');
    await resetPassword(to.email, 'the reset passphrase');
    const token = await signIn(to.email, 'the reset passphrase');
    expect((await open(token, before.body.id, 'the reset passphrase')).body.code).toBe('secret_key_locked');
    // The device path cannot help either: the wrapped key needs the old password.
    const sealed = await api.get(`/secrets/messages/${before.body.id}/sealed`, bearer(token));
    await expect(
      unwrapPrivateKey(
        sealed.body.wrapped_key,
        'the reset passphrase',
        fromBase64Url(sealed.body.public_key),
      ),
    ).rejects.toThrow();
    const replaced = await api.post(
      '/secrets/keys/replace',
      { password: 'the reset passphrase' },
      bearer(token),
    );
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({
      inbox: to.inbox,
      public_key: expect.any(String),
      fingerprint: expect.stringMatching(/^SHA256:/),
      recovery_key: expect.stringMatching(/^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$/),
    });
    expect(replaced.body.public_key).not.toBe(to.publicKey);
    expect(replaced.body.recovery_key).not.toBe(to.recoveryKey);
    // What the old key sealed is gone (it could never be opened); the sender's receipt says expired.
    expect((await api.get('/secrets/messages', bearer(token))).body.messages).toEqual([]);
    expect((await api.get(`/secrets/receipts/${before.body.receipt}`, withKey(site.apiKey))).body).toEqual({
      status: 'expired',
    });
    // Senders look the inbox up again and get the new key; it opens with the new password.
    const after = await send(
      app,
      site.apiKey,
      { inbox: to.inbox, publicKey: replaced.body.public_key },
      'new key',
    );
    expect((await open(token, after.body.id, 'the reset passphrase')).body.text).toBe('new key');
    const wrong = await api.post('/secrets/keys/replace', { password: 'not my password' }, bearer(token));
    expect(wrong.status).toBe(401);
  });

  it('a user without a key gets the plain reset answer', async () => {
    const { registerAndLogin } = await import('../support/users');
    const user = await registerAndLogin(app, site.apiKey);
    expect((await resetPassword(user.email, 'another passphrase')).body).toEqual({
      message: 'Password reset successful',
    });
  });
});

describe('expiry', () => {
  it('S39: an expired message is unreadable at once, before any reaper, and its receipt says expired', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'short-lived', { ttl_seconds: 300 });
    const restore = useClock({ now: () => Date.now() + 301_000 });
    try {
      expect((await open(to.token, sent.body.id, to.password)).status).toBe(404);
      expect((await api.get('/secrets/messages', bearer(to.token))).body.messages).toEqual([]);
      const receipt = await api.get(`/secrets/receipts/${sent.body.receipt}`, withKey(site.apiKey));
      expect(receipt.body).toEqual({ status: 'expired' });
    } finally {
      restore();
    }
    // Still stored until the reaper (or TTL) removes it.
    expect(await getMessage(sent.body.id)).toBeDefined();
  });

  it('the reaper deletes expired messages by their expiry hour, with no Scan, and marks receipts expired', async () => {
    const to = await recipient(app, site.apiKey);
    const expiring = await send(app, site.apiKey, to, 'to be reaped', { ttl_seconds: 300 });
    const keeping = await send(app, site.apiKey, to, 'still valid', { ttl_seconds: 86_400 });
    const commands: string[] = [];
    documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize', name: 'reaperCommandLog' },
    );
    try {
      const report = await reapExpiredMessages(Math.floor(Date.now() / 1000) + 301);
      expect(report.reaped).toBeGreaterThanOrEqual(1);
    } finally {
      documentClient.middlewareStack.remove('reaperCommandLog');
    }
    expect(commands).not.toContain('ScanCommand');
    expect(commands).toContain('QueryCommand');
    expect(await getMessage(expiring.body.id)).toBeUndefined();
    expect(await getMessage(keeping.body.id)).toBeDefined();
    const receipt = await api.get(`/secrets/receipts/${expiring.body.receipt}`, withKey(site.apiKey));
    expect(receipt.body).toEqual({ status: 'expired' });
    // Its bytes left the owner's quota.
    const listed = (await api.get('/secrets/messages', bearer(to.token))).body.messages;
    expect(listed.map((m: { id: string }) => m.id)).toEqual([keeping.body.id]);
  });
});

describe('S38: spending reads is atomic', () => {
  it('twenty concurrent spends of a one-read message: exactly one wins, and the message is deleted', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'atomic');
    const stored = await getMessage(sent.body.id);
    if (!stored) throw new Error('not stored');
    const now = Math.floor(Date.now() / 1000);
    const wins = await Promise.all(
      Array.from({ length: 20 }, () => spendRead(stored, now, new Date().toISOString())),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await getMessage(sent.body.id)).toBeUndefined();
  });

  it('and of a five-read message, exactly five win', async () => {
    const to = await recipient(app, site.apiKey);
    const sent = await send(app, site.apiKey, to, 'five', { max_reads: 5 });
    const stored = await getMessage(sent.body.id);
    if (!stored) throw new Error('not stored');
    const now = Math.floor(Date.now() / 1000);
    const wins = await Promise.all(
      Array.from({ length: 20 }, () => spendRead(stored, now, new Date().toISOString())),
    );
    expect(wins.filter(Boolean)).toHaveLength(5);
    expect(await getMessage(sent.body.id)).toBeUndefined();
  });
});

describe('S43/S49: nothing secret in the logs or the audit trail', () => {
  it('a marker plaintext, passwords, the recovery key and the private key never reach a log line', async () => {
    const marker = `marker-plaintext-${Date.now()}`;
    let to!: Awaited<ReturnType<typeof recipient>>;
    let sentId = '';
    const logs = await captureOutput(async () => {
      to = await recipient(app, site.apiKey);
      const sent = await send(app, site.apiKey, to, marker);
      sentId = sent.body.id;
      await open(to.token, sent.body.id, 'a wrong password guess');
      await open(to.token, sent.body.id, to.password);
    });
    expect(logs).toContain('secret_message_opened');
    expect(logs).toContain(sentId);
    for (const secret of [marker, to.password, 'a wrong password guess', to.recoveryKey]) {
      expect(logs).not.toContain(secret);
    }
  });
});
