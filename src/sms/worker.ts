// The SQS SMS worker: each queued text sent once through Twilio; only failed records go back to the queue.
import { createQueueWorker } from '../core/queue-worker';
import { PermanentSmsError, parseSmsJob, processSmsJob } from './process-job';

export const createSmsWorker = () =>
  createQueueWorker({
    noun: 'SMS',
    parse: parseSmsJob,
    process: processSmsJob,
    isPermanent: (error) => error instanceof PermanentSmsError,
  });
