// Lambda entry for the EmailQueue: sends each queued email once, reporting only the failed records.
import { createEmailWorker } from '../src/email/worker';

export const handler = createEmailWorker();
