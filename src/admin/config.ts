// The console's view of the queues: their depths (and their dead letters') on the dashboard.
import { configSlice, url } from '../core/config';

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
