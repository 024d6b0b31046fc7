// Outbox table: messages for SQS queues, written durably first; a stream relay moves them to their queue.
//
// Request paths only write here (one DynamoDB write), so an SQS outage neither loses a message nor changes how
// long a request takes: the relay retries until SQS is back (S40), and for as long as a message is in this
// table it has not reached its queue yet.
import { BatchWriteCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { clock } from '../clock';
import { tables } from '../config';
import { documentClient } from './client';

/** Which queue a message goes to; the relay maps each name to its configured queue URL. */
export type OutboxQueue = 'email' | 'sms' | 'scrape' | 'publish';
export type OutboxMessage = { id: string; queue: OutboxQueue; body: string };

// Kept well past the stream's 24 h retention, so a message the relay gave up on can still be replayed by hand.
const RETAIN_SECONDS = 3 * 86_400;
const BATCH = 25;

const table = () => tables().outbox;
const itemOf = (m: OutboxMessage) => ({
  id: m.id,
  queue: m.queue,
  body: m.body,
  created_at: new Date(clock.now()).toISOString(),
  ttl: clock.seconds() + RETAIN_SECONDS,
});

/** Writes messages durably; errors propagate (the caller answers 503 and nothing was half-sent). */
export async function putOutboxMessages(messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 1) {
    await documentClient.send(
      new PutCommand({ TableName: table(), Item: itemOf(messages[0] as OutboxMessage) }),
    );
    return;
  }
  for (let i = 0; i < messages.length; i += BATCH) {
    let pending: Record<string, unknown>[] = messages
      .slice(i, i + BATCH)
      .map((m) => ({ PutRequest: { Item: itemOf(m) } }));
    // BatchWrite may leave some unprocessed under load; they are retried here, never dropped.
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 5) throw new Error('outbox: batch writes left unprocessed after 5 attempts');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const out = await documentClient.send(
        new BatchWriteCommand({ RequestItems: { [table()]: pending as never } }),
      );
      pending = (out.UnprocessedItems?.[table()] ?? []) as Record<string, unknown>[];
    }
  }
}

/** The relay's acknowledgement: the message is on its queue. */
export async function deleteOutboxMessage(id: string): Promise<void> {
  await documentClient.send(new DeleteCommand({ TableName: table(), Key: { id } }));
}
