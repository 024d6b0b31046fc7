// Lambda entry for the EmailQueue: sends each queued email once, reporting only the failed records.
import { assertConfig, tablesFor } from '../src/core/config';
import { dataKeyConfig } from '../src/core/sealed';
import { emailConfig } from '../src/email/config';
import { createEmailWorker } from '../src/email/worker';

export const config = [tablesFor('IDEMPOTENCY_TABLE', 'TENANTS_TABLE'), dataKeyConfig, emailConfig];
assertConfig(config);

export const handler = createEmailWorker();
