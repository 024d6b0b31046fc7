// The SMS worker's configuration: Twilio's credentials (a secret in AWS; the values directly for local use).
import * as z from 'zod';
import { configSlice } from '../core/config';

export const smsConfig = configSlice(
  {
    /** A Secrets Manager secret holding {"account_sid","auth_token","from"}; its presence turns SMS on. */
    TWILIO_SECRET_ARN: z.string().min(1).optional(),
    TWILIO_ACCOUNT_SID: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex digits')
      .optional(),
    TWILIO_AUTH_TOKEN: z.string().min(1).optional(),
    TWILIO_FROM: z.string().min(2).optional(),
    /** Tests and local fakes only: where the Twilio SDK's requests go instead of https://api.twilio.com. */
    TWILIO_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** make dev only: with no Twilio credentials, the worker prints messages instead of sending them. */
    SMS_TO_CONSOLE: z.enum(['true', 'false']).optional(),
  },
  (e) => ({
    twilio: {
      secretArn: e.TWILIO_SECRET_ARN,
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      from: e.TWILIO_FROM,
      apiUrl: e.TWILIO_API_URL?.replace(/\/+$/, ''),
    },
    toConsole: e.SMS_TO_CONSOLE === 'true',
  }),
  (env) =>
    env.TWILIO_ACCOUNT_SID && (!env.TWILIO_AUTH_TOKEN || !env.TWILIO_FROM)
      ? ['TWILIO_ACCOUNT_SID: needs TWILIO_AUTH_TOKEN and TWILIO_FROM too']
      : [],
);
