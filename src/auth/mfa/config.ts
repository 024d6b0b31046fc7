// Whether this deployment can text codes: Twilio is configured for the SMS worker, or make dev prints them.
import { choice, configSlice, text } from '../../core/config';

export const smsDelivery = configSlice(
  {
    TWILIO_SECRET_ARN: text({ min: 1 }),
    TWILIO_ACCOUNT_SID: text({ min: 1 }),
    SMS_TO_CONSOLE: choice(['true', 'false']),
  },
  (e) => ({ enabled: Boolean(e.TWILIO_SECRET_ARN || e.TWILIO_ACCOUNT_SID || e.SMS_TO_CONSOLE === 'true') }),
);
