// The SQS SMS worker: each queued text sent once through Twilio; only failed records go back to the queue.
import { createQueueWorker } from '../core/queue-worker';
import { PermanentSmsError, parseSmsJob, processSmsJob } from './process-job';

/** SmsQueue's maxReceiveCount in template.yaml (test/template.test.ts keeps them equal). */
export const SMS_MAX_RECEIVES = 3;

export const createSmsWorker = () =>
  createQueueWorker({
    noun: 'SMS',
    parse: parseSmsJob,
    process: processSmsJob,
    isPermanent: (error) => error instanceof PermanentSmsError,
    counters: {
      tenantOf: (job) => job.tenant_id,
      // An expired code is not worth sending: neither sent nor failed.
      outcome: (result) =>
        result.status === 'sent' || result.status === 'printed'
          ? 'sent'
          : result.status === 'rejected'
            ? 'failed'
            : undefined,
      sent: 'sms_sent',
      failed: 'sms_failed',
      deadLettered: 'sms_dead_lettered',
      maxReceives: SMS_MAX_RECEIVES,
    },
  });
