// Telling a job's owners what happened: email through the email queue (the outbox), and a webhook whose JSON body
// is signed with HMAC-SHA256 over "<timestamp>.<body>" (the receiver checks it, and refuses old timestamps), sent
// through the same S44 guard as the scraping itself.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { parseTenantId } from '../core/db/tenants';
import { logger } from '../core/log';
import { OutboundError, outboundFetch, type Resolver } from '../core/outbound/fetch';
import { unseal } from '../core/sealed';
import { enqueueEmails } from '../email';
import type { ScrapeJob } from './job';
import { webhookSecretContext } from './webhook-secret';

export type ScrapeEvent = 'scrape.first_run' | 'scrape.changed' | 'scrape.failing' | 'scrape.recovered';
export type Notice = { event: ScrapeEvent; title: string; lines: string[]; data: Record<string, unknown> };

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

/** Sends the notice to every target; returns who got it. Email failures throw (the run retries); a webhook that
 * keeps failing is logged and left out. */
export async function notify(job: ScrapeJob, notice: Notice, resolver?: Resolver): Promise<string[]> {
  const sent: string[] = [];
  const [clientId, siteId] = job.tenantId.split('#') as [string, string];
  if (parseTenantId(job.tenantId) && job.notify.emails.length > 0) {
    await enqueueEmails(
      job.notify.emails.map((to) => ({
        client_id: clientId,
        site_id: siteId,
        template: 'notification',
        to,
        data: { title: notice.title, message: notice.lines.join('\n').slice(0, 10_000) },
      })),
    );
    sent.push(...job.notify.emails.map(() => 'email'));
  }
  if (job.notify.webhook_url && job.webhookSecretSealed) {
    if (await postWebhook(job, notice, resolver)) sent.push('webhook');
  }
  return sent;
}

async function postWebhook(job: ScrapeJob, notice: Notice, resolver?: Resolver): Promise<boolean> {
  const secret = await unseal(job.webhookSecretSealed as string, webhookSecretContext(job.id));
  if (!secret) {
    logger.error('scrape webhook secret does not unseal; webhook not sent', { job_id: job.id });
    return false;
  }
  const body = JSON.stringify({ event: notice.event, job: { id: job.id, name: job.name }, ...notice.data });
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const response = await outboundFetch(job.notify.webhook_url as string, {
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
      if (response.status >= 200 && response.status < 300) return true;
      if (response.status < 500 && response.status !== 429) break;
    } catch (error) {
      if (!(error instanceof OutboundError) || !error.transient) {
        logger.warn('scrape webhook refused', { job_id: job.id, error: (error as Error).message });
        return false;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
  }
  logger.warn('scrape webhook failed; the next notice will try again', { job_id: job.id });
  return false;
}
