// The email feature's configuration: the default sender, the SES identity senders must be within, and the
// suppression table (the email worker's own).
import * as z from 'zod';
import { configSlice, tableName } from '../core/config';

export const emailConfig = configSlice(
  {
    EMAIL_FROM: z.string().min(3).default('no-reply@example.com'),
    /** The SES identity (a domain or an address) this deployment may send as; sites' senders must be within it. */
    EMAIL_SENDER_IDENTITY: z.string().min(3).max(253).optional(),
    EMAIL_SUPPRESSIONS_TABLE: tableName.default('EmailSuppressions'),
  },
  (e) => ({
    from: e.EMAIL_FROM,
    senderIdentity: e.EMAIL_SENDER_IDENTITY?.toLowerCase(),
    suppressionsTable: e.EMAIL_SUPPRESSIONS_TABLE,
  }),
);
