// Sends one text through Twilio's Messages API with the official SDK. Only the SMS worker bundles this: the SDK
// is ~3.6 MB minified and would add ~90 ms to every cold start of the HTTP function even if never called.
import type { Twilio } from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import * as z from 'zod';
import { getSecretString } from '../core/secrets';
import { smsConfig } from './config';

const credentialsSchema = z.object({
  account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
  auth_token: z.string().min(1),
  /** A sending number (E.164) or a Messaging Service SID (MG...). */
  from: z.string().min(2),
});
type Credentials = z.infer<typeof credentialsSchema>;

/** A rejection Twilio will repeat however often we retry (bad or unreachable number, opted out). */
export class SmsRejectedError extends Error {
  constructor(readonly twilioCode: number | undefined) {
    super(`Twilio rejected the message (code ${twilioCode ?? 'unknown'})`);
    this.name = 'SmsRejectedError';
  }
}

export const isTwilioConfigured = () => {
  const { twilio } = smsConfig();
  return Boolean(twilio.secretArn || twilio.accountSid);
};

async function credentials(): Promise<Credentials> {
  const { twilio } = smsConfig();
  if (twilio.secretArn) return credentialsSchema.parse(JSON.parse(await getSecretString(twilio.secretArn)));
  return credentialsSchema.parse({
    account_sid: twilio.accountSid,
    auth_token: twilio.authToken,
    from: twilio.from,
  });
}

type RequestOptions<T> = RequestClient.RequestOptions<T>;

let client: Promise<{ api: Twilio; from: string }> | undefined;

async function createClient() {
  const { default: twilio } = await import('twilio');
  const creds = await credentials();
  const apiUrl = smsConfig().twilio.apiUrl;
  // Tests point the real SDK at a local server speaking the Messages API: same requests, another host.
  const httpClient = apiUrl
    ? new (class extends twilio.RequestClient {
        override request<T>(opts: RequestOptions<T>) {
          const url = new URL(opts.uri);
          return super.request<T>({ ...opts, uri: `${apiUrl}${url.pathname}${url.search}` });
        }
      })()
    : undefined;
  return { api: twilio(creds.account_sid, creds.auth_token, { httpClient }), from: creds.from };
}

/** Sends `text` to `to` (E.164); returns Twilio's message SID. Throws SmsRejectedError for permanent refusals. */
export async function sendSms(to: string, text: string): Promise<string> {
  client ??= createClient();
  client.catch(() => {
    client = undefined;
  });
  const { api, from } = await client;
  try {
    const message = await api.messages.create({
      to,
      body: text,
      ...(from.startsWith('MG') ? { messagingServiceSid: from } : { from }),
    });
    return message.sid;
  } catch (error) {
    const { status, code } = error as { status?: number; code?: number };
    // 400/404: the number or message is wrong; 401/403, 429 and 5xx may pass and are retried.
    if (status === 400 || status === 404) throw new SmsRejectedError(code);
    throw error;
  }
}
