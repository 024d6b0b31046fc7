// Lambda entry for the Outbox table's stream: moves each new email or SMS job to its queue.
import { createOutboxRelay } from '../src/outbox/relay';

export const handler = createOutboxRelay();
