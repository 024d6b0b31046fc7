// The SMS worker's configuration: Twilio's credentials (a secret in AWS; the values directly for local use).
import { choice, configSlice, text, url } from '../core/config';

export const smsConfig = configSlice(
  {
    /** A Secrets Manager secret holding {"account_sid","auth_token","from"}; its presence turns SMS on. */
    TWILIO_SECRET_ARN: text({ min: 1 }),
    TWILIO_ACCOUNT_SID: text({
      pattern: /^AC[0-9a-fA-F]{32}$/,
      message: 'must be AC followed by 32 hex digits',
    }),
    TWILIO_AUTH_TOKEN: text({ min: 1 }),
    TWILIO_FROM: text({ min: 2 }),
    /** Tests and local fakes only: where the Twilio SDK's requests go instead of https://api.twilio.com. */
    TWILIO_API_URL: url(),
    /** make dev only: with no Twilio credentials, the worker prints messages instead of sending them. */
    SMS_TO_CONSOLE: choice(['true', 'false']),
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
