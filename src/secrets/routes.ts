// /secrets: the secret-message API (a site's key for senders, the user's token for the owner) and /s, /secrets: the
// hosted pages that seal and open in the browser (see pages.ts).
import * as z from 'zod';
import { defineRoute } from '../docs';
import { requireUser } from '../middleware/authenticate';
import { featureRouter } from '../middleware/feature';
import { jsonOnly } from '../middleware/json-body';
import { noStore } from '../middleware/no-store';
import { requestMeta } from '../middleware/request-meta';
import { requireTenant } from '../middleware/tenant';
import { parseBody } from '../middleware/validate';
import { createKeys, describeKeys, recoverKeys, replaceKeys } from './keys';
import {
  burnMessage,
  describeInbox,
  listOwnMessages,
  openMessage,
  receiptStatus,
  sealedMessage,
  sendMessage,
} from './messages';
import { definePages } from './pages';

// Two prefixes (/secrets and /s), so the router sits at the root with full paths.
const secrets = featureRouter('/');
secrets.use('/secrets/*', noStore(), jsonOnly());

const password = z.string().min(1).max(1024);
const keysResponse = z.object({ inbox: z.string(), public_key: z.string(), fingerprint: z.string() });
const wrappedKey = z.object({
  kdf: z.literal('scrypt'),
  params: z.object({ ln: z.number(), r: z.number(), p: z.number() }),
  salt: z.string(),
  nonce: z.string(),
  ciphertext: z.string(),
});
export const sendBody = z
  .strictObject({
    envelope: z.string().min(1).max(200_000).optional(),
    text: z
      .string()
      .min(1)
      .max(48 * 1024)
      .optional(),
    ttl_seconds: z.number().int().positive().optional(),
    max_reads: z.number().int().min(1).max(10).optional(),
  })
  .refine((b) => (b.envelope === undefined) !== (b.text === undefined), {
    error: 'give exactly one of envelope and text',
    path: ['envelope'],
  });
export const sendResponse = z.object({ id: z.string(), expires_at: z.string(), receipt: z.string() });
const signedIn = ['bearer', 'cookie'] as const;

defineRoute(
  secrets,
  {
    method: 'post',
    path: '/secrets/keys',
    operationId: 'createSecretKeys',
    tag: 'secrets',
    summary: 'Make your secret-message keypair; the recovery key is shown this once',
    description:
      'The private key is stored wrapped under your password (scrypt, AES-256-GCM) and under the recovery key. A wrong password counts toward the sign-in lockout.',
    security: [...signedIn],
    body: z.strictObject({ password }),
    responses: {
      201: { description: 'Created', schema: keysResponse.extend({ recovery_key: z.string() }) },
      409: { description: 'You already have one' },
    },
  },
  requireUser(),
  async (c) => {
    const body = await parseBody(c, z.strictObject({ password }));
    return c.json(await createKeys(c.var.auth, body.password, requestMeta(c)), 201);
  },
);

defineRoute(
  secrets,
  {
    method: 'get',
    path: '/secrets/keys',
    operationId: 'getSecretKeys',
    tag: 'secrets',
    summary: 'Your inbox and public key',
    security: [...signedIn],
    responses: { 200: { description: 'Your key', schema: keysResponse.extend({ created_at: z.string() }) } },
  },
  requireUser(),
  async (c) => c.json(await describeKeys(c.var.auth)),
);

defineRoute(
  secrets,
  {
    method: 'post',
    path: '/secrets/keys/replace',
    operationId: 'replaceSecretKeys',
    tag: 'secrets',
    summary: 'Start over with a new keypair on the same inbox; the new recovery key is shown this once',
    description:
      'For a user who lost their recovery key after a password reset. Messages sealed to the old key can never be opened, so they are deleted; senders keep using the same inbox. A wrong password counts toward the sign-in lockout.',
    security: [...signedIn],
    body: z.strictObject({ password }),
    responses: {
      200: { description: 'Replaced', schema: keysResponse.extend({ recovery_key: z.string() }) },
      404: { description: 'You have no key to replace' },
    },
  },
  requireUser(),
  async (c) => {
    const body = await parseBody(c, z.strictObject({ password }));
    return c.json(await replaceKeys(c.var.auth, body.password, requestMeta(c)));
  },
);

const recoverBody = z.strictObject({ recovery_key: z.string().min(1).max(200), password });
defineRoute(
  secrets,
  {
    method: 'post',
    path: '/secrets/keys/recover',
    operationId: 'recoverSecretKeys',
    tag: 'secrets',
    summary: 'Unlock your key with the recovery key after a password reset',
    description: 'Wraps the private key again under your current password, so older messages open again.',
    security: [...signedIn],
    body: recoverBody,
    responses: {
      200: { description: 'Unlocked', schema: keysResponse.extend({ created_at: z.string() }) },
      403: { description: 'That recovery key does not unlock this key' },
    },
  },
  requireUser(),
  async (c) => {
    const body = await parseBody(c, recoverBody);
    return c.json(await recoverKeys(c.var.auth, body.recovery_key, body.password, requestMeta(c)));
  },
);

defineRoute(
  secrets,
  {
    method: 'get',
    path: '/secrets/inbox/:inbox',
    operationId: 'describeSecretInbox',
    tag: 'secrets',
    summary: 'What a sender needs to seal to an inbox',
    security: ['apiKey'],
    responses: {
      200: {
        description: 'The inbox',
        schema: z.object({
          public_key: z.string(),
          fingerprint: z.string(),
          max_bytes: z.number(),
          ttl_seconds: z.object({ min: z.number(), max: z.number(), default: z.number() }),
        }),
      },
    },
  },
  requireTenant({ scope: 'secrets' }),
  async (c) => c.json(await describeInbox(c.var.tenantKey.tenant, c.req.param('inbox') ?? '')),
);

defineRoute(
  secrets,
  {
    method: 'post',
    path: '/secrets/inbox/:inbox/messages',
    operationId: 'sendSecretMessage',
    tag: 'secrets',
    summary: 'Drop a sealed message into an inbox',
    description:
      '`envelope` is "v1." + base64url(enc || ciphertext), HPKE-sealed to the inbox key (docs/secrets.md). Where the site allows it, `text` instead: sealed here at once, never stored or logged.',
    security: ['apiKey'],
    body: sendBody,
    responses: {
      201: { description: 'Stored', schema: sendResponse },
      409: { description: "The recipient's inbox is full" },
      413: { description: 'The envelope is over the limit' },
      429: { description: 'Too many messages from this address or to this inbox' },
    },
  },
  requireTenant({ scope: 'secrets' }),
  async (c) => {
    const body = await parseBody(c, sendBody);
    return c.json(
      await sendMessage(c.var.tenantKey.tenant, c.req.param('inbox') ?? '', body, requestMeta(c)),
      201,
    );
  },
);

defineRoute(
  secrets,
  {
    method: 'get',
    path: '/secrets/messages',
    operationId: 'listSecretMessages',
    tag: 'secrets',
    summary: 'Your messages: metadata only',
    security: [...signedIn],
    responses: {
      200: {
        description: 'Messages',
        schema: z.object({
          messages: z.array(
            z.object({
              id: z.string(),
              created_at: z.string(),
              expires_at: z.string(),
              bytes: z.number(),
              reads_left: z.number(),
            }),
          ),
        }),
      },
    },
  },
  requireUser(),
  async (c) => c.json(await listOwnMessages(c.var.auth)),
);

const openBody = z.strictObject({ password });
defineRoute(
  secrets,
  {
    method: 'post',
    path: '/secrets/messages/:id/open',
    operationId: 'openSecretMessage',
    tag: 'secrets',
    summary: 'Open a message on the server with your password',
    description:
      'Spends one read; the last one deletes the message in the same step. A wrong password and a tampered envelope both answer 403 cannot_open; wrong passwords count toward the sign-in lockout. 409 secret_key_locked after a password reset, until POST /secrets/keys/recover.',
    security: [...signedIn],
    body: openBody,
    responses: {
      200: {
        description: 'The text',
        schema: z.object({ id: z.string(), text: z.string(), created_at: z.string() }),
      },
      403: { description: 'Could not be opened, or the site opens on devices only' },
      409: { description: 'Your key is locked since a password reset' },
      429: { description: 'Locked out by wrong passwords' },
    },
  },
  requireUser(),
  async (c) => {
    const body = await parseBody(c, openBody);
    return c.json(await openMessage(c.var.auth, c.req.param('id') ?? '', body.password, requestMeta(c)));
  },
);

defineRoute(
  secrets,
  {
    method: 'get',
    path: '/secrets/messages/:id/sealed',
    operationId: 'getSealedSecretMessage',
    tag: 'secrets',
    summary: 'The envelope and your wrapped key, to open on your device',
    description: 'Changes nothing; burn the message afterwards.',
    security: [...signedIn],
    responses: {
      200: {
        description: 'Sealed',
        schema: z.object({ envelope: z.string(), public_key: z.string(), wrapped_key: wrappedKey }),
      },
    },
  },
  requireUser(),
  async (c) => c.json(await sealedMessage(c.var.auth, c.req.param('id') ?? '')),
);

defineRoute(
  secrets,
  {
    method: 'post',
    path: '/secrets/messages/:id/burn',
    operationId: 'burnSecretMessage',
    tag: 'secrets',
    summary: 'Delete a message you have read on your device',
    security: [...signedIn],
    responses: { 204: { description: 'Gone' } },
  },
  requireUser(),
  async (c) => {
    await burnMessage(c.var.auth, c.req.param('id') ?? '', requestMeta(c));
    return c.body(null, 204);
  },
);

defineRoute(
  secrets,
  {
    method: 'get',
    path: '/secrets/receipts/:receipt',
    operationId: 'getSecretReceipt',
    tag: 'secrets',
    summary: "A sender's receipt: unread, read or expired",
    security: ['apiKey'],
    responses: {
      200: {
        description: 'Status',
        schema: z.object({ status: z.enum(['unread', 'read', 'expired']), read_at: z.string().optional() }),
      },
    },
  },
  requireTenant({ scope: 'secrets' }),
  async (c) => c.json(await receiptStatus(c.var.tenantKey.tenant, c.req.param('receipt') ?? '')),
);

definePages(secrets);

export default secrets;
