// Lambda entry for the secret-message reaper (EventBridge Scheduler, every 5 minutes).
import { assertConfig, tablesFor } from '../src/core/config';
import { reapExpiredMessages } from '../src/secrets/reaper';

export const config = [tablesFor('SECRET_MESSAGES_TABLE', 'SECRET_KEYS_TABLE', 'AUDIT_TABLE')];
assertConfig(config);

export const handler = async () => reapExpiredMessages();
