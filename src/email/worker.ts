// The SQS email worker: each queued email sent once through SES; only failed records go back to the queue.
import { createQueueWorker } from '../core/queue-worker';
import { PermanentEmailError } from './contracts';
import { parseEmailJob, processEmailJob } from './process-job';

export const createEmailWorker = () =>
  createQueueWorker({
    noun: 'email',
    parse: parseEmailJob,
    process: processEmailJob,
    isPermanent: (error) => error instanceof PermanentEmailError,
  });
