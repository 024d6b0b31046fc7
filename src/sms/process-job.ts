// One SMS job: check it, drop it if its code has expired, unseal it and send it (or print it under make dev).
import * as z from 'zod';
import { clock } from '../core/clock';
import { logger } from '../core/log';
import { unseal } from '../core/sealed';
import { smsConfig } from './config';
import type { SmsJob } from './jobs';
import { isTwilioConfigured, SmsRejectedError, sendSms } from './twilio';

/** A job that can never be sent; retrying it would only delay it into the DLQ. */
export class PermanentSmsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentSmsError';
  }
}

const jobSchema = z.object({
  id: z.string().min(1).max(100),
  tenant_id: z.string().min(3).max(300),
  sealed: z.string().min(1).max(4096),
  expires_at: z.number().int(),
});
const messageSchema = z.object({
  to: z.string().regex(/^\+[1-9]\d{7,14}$/),
  text: z.string().min(1).max(1600),
});

export type SmsResult = { status: 'sent' | 'expired' | 'rejected' | 'printed'; sid?: string };

export function parseSmsJob(body: string): SmsJob {
  try {
    return jobSchema.parse(JSON.parse(body));
  } catch {
    throw new PermanentSmsError('malformed SMS job');
  }
}

export async function processSmsJob(job: SmsJob): Promise<SmsResult> {
  const fields = { job_id: job.id, tenant: job.tenant_id };
  // A code nobody can use any more is not worth a message (or the confusion of a late one).
  if (job.expires_at <= clock.seconds()) {
    logger.warn('SMS dropped: expired before it could be sent', fields);
    return { status: 'expired' };
  }
  const opened = await unseal(job.sealed, job.id);
  const message = opened ? messageSchema.safeParse(JSON.parse(opened)) : undefined;
  if (!message?.success) throw new PermanentSmsError(`SMS job ${job.id} cannot be opened`);
  const { to, text } = message.data;

  if (!isTwilioConfigured()) {
    if (!smsConfig().toConsole) throw new Error('SMS job queued but Twilio is not configured');
    // make dev only (SMS_TO_CONSOLE): the one place a code is printed, on the developer's own terminal.
    console.log(`[sms] to ${to}: ${text}`);
    return { status: 'printed' };
  }
  try {
    const sid = await sendSms(to, text);
    logger.info('SMS sent', { ...fields, sid });
    return { status: 'sent', sid };
  } catch (error) {
    if (!(error instanceof SmsRejectedError)) throw error;
    logger.warn('SMS rejected by Twilio; not retried', { ...fields, twilio_code: error.twilioCode });
    return { status: 'rejected' };
  }
}
