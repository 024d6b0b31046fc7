// The console's view of the queues: their depths (and their dead letters') on the dashboard.
import { choice, configSlice, url } from '../core/config';

export const queuesConfig = configSlice(
  {
    EMAIL_QUEUE_URL: url(),
    EMAIL_DLQ_URL: url(),
    SMS_QUEUE_URL: url(),
    SMS_DLQ_URL: url(),
  },
  (e) => ({
    emailQueueUrl: e.EMAIL_QUEUE_URL,
    emailDlqUrl: e.EMAIL_DLQ_URL,
    smsQueueUrl: e.SMS_QUEUE_URL,
    smsDlqUrl: e.SMS_DLQ_URL,
  }),
);

/** Console session security levels (seed 002): a deployment picks one; platform admins get the next one up. */
export const SECURITY_LEVELS = ['standard', 'elevated', 'high'] as const;
export type SecurityLevel = (typeof SECURITY_LEVELS)[number];

export const consoleSecurityConfig = configSlice(
  { CONSOLE_SECURITY_LEVEL: choice(SECURITY_LEVELS).or('standard') },
  (e) => ({ level: e.CONSOLE_SECURITY_LEVEL }),
);
