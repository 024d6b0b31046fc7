// The SQS email worker: each queued email sent once through SES; only failed records go back to the queue.
import { tenantIdOf } from '../core/db/tenants';
import { createQueueWorker } from '../core/queue-worker';
import { PermanentEmailError } from './contracts';
import { parseEmailJob, processEmailJob } from './process-job';

/** EmailQueue's maxReceiveCount in template.yaml (test/template.test.ts keeps them equal). */
export const EMAIL_MAX_RECEIVES = 5;

export const createEmailWorker = () =>
  createQueueWorker({
    noun: 'email',
    parse: parseEmailJob,
    process: processEmailJob,
    isPermanent: (error) => error instanceof PermanentEmailError,
    counters: {
      tenantOf: (job) => tenantIdOf(job.client_id, job.site_id),
      // A suppressed address was not tried: neither sent nor failed.
      outcome: (result) =>
        result.status === 'sent' ? 'sent' : result.status === 'rejected' ? 'failed' : undefined,
      sent: 'emails_sent',
      failed: 'emails_failed',
      deadLettered: 'emails_dead_lettered',
      maxReceives: EMAIL_MAX_RECEIVES,
    },
  });
