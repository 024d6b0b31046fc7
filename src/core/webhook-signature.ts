// Our outgoing webhooks' signature (scrape notices, security alerts): HMAC-SHA256 over "<timestamp>.<body>" in
// `x-lambdalith-signature: t=<unix seconds>,v1=<hex>`; receivers check it on the raw body and refuse old timestamps.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { OutboundError, outboundFetch, type Resolver } from './outbound/fetch';

export const SIGNATURE_HEADER = 'x-lambdalith-signature';
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/** For receivers (and our tests): a signature made with `secret` over this exact body, at most 5 minutes old. */
export function verifyWebhook(
  secret: string,
  header: string,
  body: string,
  now = Date.now() / 1000,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > WEBHOOK_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signWebhook(secret, body, timestamp).split('v1=')[1] as string, 'hex');
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * POSTs a signed JSON body through the S44 guard (public addresses only, no redirects, bounded), three tries with
 * backoff on 5xx, 429 and transient network errors; a refusal (4xx, a forbidden address) is not retried.
 */
export async function deliverWebhook(
  url: string,
  secret: string,
  body: string,
  resolver?: Resolver,
): Promise<{ delivered: boolean; refused?: boolean; reason?: string }> {
  let reason = 'no answer';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await outboundFetch(url, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(Date.now() / 1000)),
        },
        maxBytes: 64 * 1024,
        totalTimeoutMs: 10_000,
        maxRedirects: 0,
        resolver,
      });
      if (response.status >= 200 && response.status < 300) return { delivered: true };
      reason = `answered ${response.status}`;
      if (response.status < 500 && response.status !== 429)
        return { delivered: false, refused: true, reason };
    } catch (error) {
      reason = (error as Error).message;
      if (!(error instanceof OutboundError) || !error.transient)
        return { delivered: false, refused: true, reason };
    }
    if (attempt < 3) await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
  }
  return { delivered: false, reason };
}
