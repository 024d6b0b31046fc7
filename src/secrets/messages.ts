// Secret messages: a site's sender drops a sealed envelope into a user's inbox; the owner lists, opens (server side,
// with their password) or fetches and burns (zero-knowledge, decrypted on their device); the sender's receipt says
// only unread, read or expired. Unknown, expired, read and other users' messages all look the same (S49).
import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../app-env';
import { audit, type RequestMeta } from '../core/audit';
import { clock } from '../core/clock';
import { getInbox, getSecretKey, type Inbox } from '../core/db/secret-keys';
import type { Tenant } from '../core/db/tenants';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import { fromBase64 } from '../core/key-encoding';
import { enforceRateLimits } from '../core/rate-limit';
import { EnvelopeError, openEnvelope, parseEnvelope, sealText } from './envelope';
import { unlockPrivateKey } from './keys';
import { secretSettings, ttlBounds } from './settings';
import {
  deleteMessage,
  getMessage,
  getReceipt,
  listMessages,
  putMessage,
  QuotaExceededError,
  type StoredMessage,
  spendRead,
} from './store';

const noSuchMessage = () => new NotFoundError('No such message', 'not_found');
const noSuchInbox = () => new NotFoundError('No such inbox', 'not_found');
/** A wrong password and a tampered envelope are one answer (S49). */
export const cannotOpen = () => new ForbiddenError('The message could not be opened', 'cannot_open');

export class EnvelopeTooLargeError extends AppError {
  constructor(limit: number) {
    super(413, 'envelope_too_large', `The sealed message exceeds ${limit} bytes`);
    this.name = 'EnvelopeTooLargeError';
  }
}

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** The site's inbox, or the one 404 (another site's inbox does not exist here, S28). */
export async function inboxOf(tenant: Tenant, inbox: string): Promise<Inbox> {
  if (!/^[\w-]{24}$/.test(inbox) || !secretSettings(tenant).secrets.enabled) throw noSuchInbox();
  const found = await getInbox(inbox);
  if (!found || found.tenantId !== tenant.id) throw noSuchInbox();
  return found;
}

/** What a sender needs to seal to an inbox. */
export async function describeInbox(tenant: Tenant, inbox: string) {
  const found = await inboxOf(tenant, inbox);
  const s = secretSettings(tenant).secrets;
  return {
    public_key: found.publicKey,
    fingerprint: found.fingerprint,
    max_bytes: s.max_bytes,
    ttl_seconds: ttlBounds(tenant),
  };
}

export type SendInput = { envelope?: string; text?: string; ttl_seconds?: number; max_reads?: number };

/** Stores a sealed message for the inbox's owner; a plaintext `text` is sealed here at once and never kept. */
export async function sendMessage(tenant: Tenant, inbox: string, input: SendInput, meta: RequestMeta) {
  const found = await inboxOf(tenant, inbox);
  const s = secretSettings(tenant).secrets;
  const bounds = ttlBounds(tenant);
  const ttl = input.ttl_seconds ?? bounds.default;
  if (ttl < bounds.min || ttl > bounds.max) {
    throw new ValidationError([
      { field: 'ttl_seconds', message: `must be between ${bounds.min} and ${bounds.max}` },
    ]);
  }
  let envelope = input.envelope;
  if (input.text !== undefined) {
    if (!s.plaintext_send)
      throw new ForbiddenError('This site accepts sealed envelopes only', 'plaintext_disabled');
    envelope = await sealText(fromBase64(found.publicKey), input.text);
  }
  if (envelope === undefined) throw noSuchInbox();
  if (Buffer.byteLength(envelope) > s.max_bytes) throw new EnvelopeTooLargeError(s.max_bytes);
  try {
    parseEnvelope(envelope);
  } catch (error) {
    if (!(error instanceof EnvelopeError)) throw error;
    throw new ValidationError([
      { field: 'envelope', message: 'must be "v1." followed by base64url(enc || ciphertext)' },
    ]);
  }
  const hour = 3600;
  await enforceRateLimits(tenant, [
    { limit: { name: 'secret-send-ip', max: s.send_per_hour_per_ip, windowSeconds: hour }, subject: meta.ip },
    {
      limit: { name: 'secret-send-inbox', max: s.send_per_hour_per_inbox, windowSeconds: hour },
      subject: inbox,
    },
  ]);
  const now = clock.seconds();
  const message: StoredMessage = {
    id: randomBytes(16).toString('base64url'),
    owner: found.userId,
    tenantId: tenant.id,
    envelope,
    bytes: Buffer.byteLength(envelope),
    readsLeft: input.max_reads ?? 1,
    createdAt: iso(now),
    expiresAt: now + ttl,
    receipt: randomBytes(16).toString('base64url'),
  };
  try {
    await putMessage(message, s.quota_bytes);
  } catch (error) {
    if (error instanceof QuotaExceededError)
      throw new ConflictError("The recipient's inbox is full", 'inbox_full');
    throw error;
  }
  await audit(meta, {
    tenantId: tenant.id,
    event: 'secret_message_received',
    outcome: 'success',
    userId: found.userId,
    detail: { message_id: message.id, bytes: message.bytes },
  });
  return { id: message.id, expires_at: iso(message.expiresAt), receipt: message.receipt };
}

/** One of the caller's own live messages, or the one 404. */
async function ownMessage(auth: AuthContext, id: string): Promise<StoredMessage> {
  if (!/^[\w-]{22}$/.test(id) || !secretSettings(auth.tenant).secrets.enabled) throw noSuchMessage();
  const message = await getMessage(id);
  if (
    !message ||
    message.owner !== auth.userId ||
    message.expiresAt <= clock.seconds() ||
    message.readsLeft < 1
  ) {
    throw noSuchMessage();
  }
  return message;
}

export async function listOwnMessages(auth: AuthContext) {
  if (!secretSettings(auth.tenant).secrets.enabled) return { messages: [] };
  const now = clock.seconds();
  const messages = (await listMessages(auth.userId)).filter((m) => m.expiresAt > now && m.readsLeft > 0);
  return {
    messages: messages.map((m) => ({
      id: m.id,
      created_at: m.createdAt,
      expires_at: iso(m.expiresAt),
      bytes: m.bytes,
      reads_left: m.readsLeft,
    })),
  };
}

/**
 * The seed's flow: the password unwraps the private key here, the envelope opens, and only then is a read spent
 * (the last one deleting the message in the same step, S38). The plaintext is returned and kept nowhere.
 */
export async function openMessage(auth: AuthContext, id: string, password: string, meta: RequestMeta) {
  if (!secretSettings(auth.tenant).secrets.server_open) {
    throw new ForbiddenError('This site opens messages on your device only', 'server_open_disabled');
  }
  // One round trip for both; the message's 404 still comes before any work on the password.
  const [message, key] = await Promise.all([ownMessage(auth, id), getSecretKey(auth.userId)]);
  const privateKey = await unlockPrivateKey(auth, key, password, meta, cannotOpen);
  let text: string;
  try {
    text = await openEnvelope(privateKey, message.envelope);
  } catch (error) {
    if (error instanceof EnvelopeError) throw cannotOpen();
    throw error;
  } finally {
    privateKey.fill(0);
  }
  if (!(await spendRead(message, clock.seconds(), new Date(clock.now()).toISOString())))
    throw noSuchMessage();
  await audit(meta, {
    tenantId: auth.tenant.id,
    event: 'secret_message_opened',
    outcome: 'success',
    userId: auth.userId,
    detail: { message_id: id, reads_left: message.readsLeft - 1 },
  });
  return { id, text, created_at: message.createdAt };
}

/** For clients that decrypt on the device: the envelope and the wrapped key. A GET: it changes nothing. */
export async function sealedMessage(auth: AuthContext, id: string) {
  const message = await ownMessage(auth, id);
  const key = await getSecretKey(auth.userId);
  if (!key) throw noSuchMessage();
  return { envelope: message.envelope, public_key: key.publicKey, wrapped_key: key.wrapped };
}

/** After a device read: the message goes, and its receipt says read. */
export async function burnMessage(auth: AuthContext, id: string, meta: RequestMeta): Promise<void> {
  const message = await ownMessage(auth, id);
  const at = new Date(clock.now()).toISOString();
  if (!(await deleteMessage(message, 'read', at, clock.seconds()))) throw noSuchMessage();
  await audit(meta, {
    tenantId: auth.tenant.id,
    event: 'secret_message_burned',
    outcome: 'success',
    userId: auth.userId,
    detail: { message_id: id },
  });
}

/** A sender's receipt: the status and when it was read; nothing else about the message. */
export async function receiptStatus(tenant: Tenant, receipt: string) {
  const found = /^[\w-]{22}$/.test(receipt) ? await getReceipt(receipt) : undefined;
  if (!found || found.tenantId !== tenant.id) throw new NotFoundError('No such receipt', 'not_found');
  const status = found.status === 'unread' && found.expiresAt <= clock.seconds() ? 'expired' : found.status;
  return { status, ...(status === 'read' && found.readAt ? { read_at: found.readAt } : {}) };
}
