// Lambda entry for the SmsQueue: sends each queued text once through Twilio, reporting only the failed records.
import { createSmsWorker } from '../src/sms/worker';

export const handler = createSmsWorker();
