// A site with secret messages, users with keys, and sending: shared by the secret-message tests.
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/app-env';
import { fromBase64Url, sealText } from '../../src/secrets/envelope';
import { bearer, client, withKey } from '../support/http';
import { createTestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

export async function secretsSite(settings: Record<string, unknown> = {}) {
  return createTestTenant({ settings: { reset_url: 'https://app.example.com/reset', secrets: settings } }, [
    'auth',
    'secrets',
  ]);
}

export type Recipient = Awaited<ReturnType<typeof recipient>>;

/** A signed-in user with a key: their token, password, inbox, public key and recovery key. */
export async function recipient(app: Hono<AppEnv>, apiKey: string) {
  const user = await registerAndLogin(app, apiKey);
  const keys = await client(app).post('/secrets/keys', { password: user.password }, bearer(user.token));
  if (keys.status !== 201) throw new Error(`keys: ${keys.status} ${keys.text}`);
  return {
    ...user,
    inbox: keys.body.inbox as string,
    publicKey: keys.body.public_key as string,
    recoveryKey: keys.body.recovery_key as string,
  };
}

/** Seals `text` to the recipient's key as any client would, and sends it with the site's key. */
export async function send(
  app: Hono<AppEnv>,
  apiKey: string,
  to: { inbox: string; publicKey: string },
  text: string,
  extra: Record<string, unknown> = {},
) {
  const envelope = await sealText(fromBase64Url(to.publicKey), text);
  return client(app).post(`/secrets/inbox/${to.inbox}/messages`, { envelope, ...extra }, withKey(apiKey));
}

/** The seed's flow: the owner opens a message with their password. */
export const openWith = (app: Hono<AppEnv>, token: string, id: string, password: string) =>
  client(app).post(`/secrets/messages/${id}/open`, { password }, bearer(token));
