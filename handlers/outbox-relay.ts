// Lambda entry for the Outbox table's stream: moves each new email or SMS job to its queue.
import { assertConfig, tablesFor } from '../src/core/config';
import { relayConfig } from '../src/outbox/config';
import { createOutboxRelay } from '../src/outbox/relay';

export const config = [tablesFor('OUTBOX_TABLE'), relayConfig];
assertConfig(config);

export const handler = createOutboxRelay();
