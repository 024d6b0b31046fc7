// Lambda entry for the SmsQueue: sends each queued text once through Twilio, reporting only the failed records.
import { assertConfig, tablesFor } from '../src/core/config';
import { dataKeyConfig } from '../src/core/sealed';
import { smsConfig } from '../src/sms/config';
import { createSmsWorker } from '../src/sms/worker';

export const config = [tablesFor('IDEMPOTENCY_TABLE'), dataKeyConfig, smsConfig];
assertConfig(config);

export const handler = createSmsWorker();
