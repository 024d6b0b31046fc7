// Telling a job's owners what happened: email through the email queue (the outbox), and a webhook whose JSON body
// is signed with HMAC-SHA256 over "<timestamp>.<body>" (the receiver checks it, and refuses old timestamps), sent
// through the same S44 guard as the scraping itself.
import { parseTenantId } from '../core/db/tenants';
import { logger } from '../core/log';
import type { Resolver } from '../core/outbound/fetch';
import { unseal } from '../core/sealed';
import { deliverWebhook } from '../core/webhook-signature';
import { enqueueEmails } from '../email';
import type { ScrapeJob } from './job';
import { webhookSecretContext } from './webhook-secret';

export type ScrapeEvent = 'scrape.first_run' | 'scrape.changed' | 'scrape.failing' | 'scrape.recovered';
export type Notice = { event: ScrapeEvent; title: string; lines: string[]; data: Record<string, unknown> };

export {
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
} from '../core/webhook-signature';

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
  const outcome = await deliverWebhook(job.notify.webhook_url as string, secret, body, resolver);
  if (outcome.delivered) return true;
  logger.warn(
    outcome.refused ? 'scrape webhook refused' : 'scrape webhook failed; the next notice will try again',
    { job_id: job.id, error: outcome.reason },
  );
  return false;
}
