// The console's view of the queues: their depths (and their dead letters') on the dashboard.
import * as z from 'zod';
import { configSlice } from '../core/config';

export const queuesConfig = configSlice(
  {
    EMAIL_QUEUE_URL: z.url().optional(),
    EMAIL_DLQ_URL: z.url().optional(),
    SMS_QUEUE_URL: z.url().optional(),
    SMS_DLQ_URL: z.url().optional(),
  },
  (e) => ({
    emailQueueUrl: e.EMAIL_QUEUE_URL,
    emailDlqUrl: e.EMAIL_DLQ_URL,
    smsQueueUrl: e.SMS_QUEUE_URL,
    smsDlqUrl: e.SMS_DLQ_URL,
  }),
);
