// Where the outbox relay sends each kind of job.
import * as z from 'zod';
import { configSlice } from '../core/config';

export const relayConfig = configSlice(
  { EMAIL_QUEUE_URL: z.url().optional(), SMS_QUEUE_URL: z.url().optional() },
  (e) => ({ email: e.EMAIL_QUEUE_URL, sms: e.SMS_QUEUE_URL }),
);
