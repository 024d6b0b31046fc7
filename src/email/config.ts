// The email feature's configuration: the default sender, the SES identity senders must be within, and the
// suppression table (the email worker's own).
import { configSlice, tableName, text } from '../core/config';

export const emailConfig = configSlice(
  {
    EMAIL_FROM: text({ min: 3 }).or('no-reply@example.com'),
    /** The SES identity (a domain or an address) this deployment may send as; sites' senders must be within it. */
    EMAIL_SENDER_IDENTITY: text({ min: 3, max: 253 }),
    EMAIL_SUPPRESSIONS_TABLE: tableName().or('EmailSuppressions'),
  },
  (e) => ({
    from: e.EMAIL_FROM,
    senderIdentity: e.EMAIL_SENDER_IDENTITY?.toLowerCase(),
    suppressionsTable: e.EMAIL_SUPPRESSIONS_TABLE,
  }),
);
