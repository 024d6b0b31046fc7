// Whether this deployment can text codes: Twilio is configured for the SMS worker, or make dev prints them.
import * as z from 'zod';
import { configSlice } from '../../core/config';

export const smsDelivery = configSlice(
  {
    TWILIO_SECRET_ARN: z.string().min(1).optional(),
    TWILIO_ACCOUNT_SID: z.string().min(1).optional(),
    SMS_TO_CONSOLE: z.enum(['true', 'false']).optional(),
  },
  (e) => ({ enabled: Boolean(e.TWILIO_SECRET_ARN || e.TWILIO_ACCOUNT_SID || e.SMS_TO_CONSOLE === 'true') }),
);
