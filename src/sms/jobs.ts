// The SMS feature's job contract and its producer: recipient and text travel sealed (S25), so no code sits
// readable in the Outbox table, SQS or a DLQ.
import { randomUUID } from 'node:crypto';
import { putOutboxMessages } from '../core/db/outbox';
import { seal } from '../core/sealed';

/** The message contract between the producers and the SMS worker. */
export type SmsJob = {
  id: string;
  tenant_id: string;
  /** `{"to","text"}` sealed under the data key with the job id as context. */
  sealed: string;
  /** Epoch seconds after which the text (a code) is useless and the worker drops it. */
  expires_at: number;
};

/** Queues one text message for the SMS worker; errors propagate (the caller answers 503, nothing half-done). */
export async function enqueueSms(
  tenantId: string,
  message: { to: string; text: string },
  expiresAt: number,
): Promise<string> {
  const id = randomUUID();
  const job: SmsJob = {
    id,
    tenant_id: tenantId,
    sealed: await seal(JSON.stringify(message), id),
    expires_at: expiresAt,
  };
  await putOutboxMessages([{ id, queue: 'sms', body: JSON.stringify(job) }]);
  return id;
}
