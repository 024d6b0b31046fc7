// The secret-message reaper, run every 5 minutes by EventBridge Scheduler: deletes expired messages and marks
// their unread receipts expired. It walks the sparse expiry index hour by hour from a cursor (no Scan), so each
// run reads only hours that may still hold messages. Reads never depend on it: they check expiry in code (S39),
// and DynamoDB's TTL is the backstop behind both.
import { audit } from '../core/audit';
import { clock } from '../core/clock';
import { logger } from '../core/log';
import { expiredInBucket, expiryBucket, reaperCursor, reapMessage, setReaperCursor } from './store';

/** Messages live at most 30 days, so a first run looks back that far (and a little more). */
const FIRST_LOOKBACK_HOURS = 31 * 24;
/** Enough for the first run's whole look-back: an empty hour costs one small Query. */
const HOURS_PER_RUN = FIRST_LOOKBACK_HOURS + 2;
const PAGE = 100;
const PAGES_PER_HOUR = 20;
const REAPER = { ip: 'scheduler', userAgent: 'secret-reaper' };

export type ReapReport = { reaped: number; hours: number; cursor: number };

export async function reapExpiredMessages(now = clock.seconds()): Promise<ReapReport> {
  const current = Number(expiryBucket(now));
  const start = (await reaperCursor()) ?? current - FIRST_LOOKBACK_HOURS;
  let cursor = start;
  let reaped = 0;
  let hours = 0;
  for (let bucket = start; bucket <= current && hours < HOURS_PER_RUN; bucket++, hours++) {
    let drained = false;
    for (let page = 0; page < PAGES_PER_HOUR && !drained; page++) {
      const expired = await expiredInBucket(String(bucket), now, PAGE);
      for (const message of expired) {
        if (!(await reapMessage(message, now))) continue;
        reaped++;
        await audit(REAPER, {
          tenantId: message.tenantId,
          event: 'secret_message_expired',
          outcome: 'success',
          userId: message.owner,
          detail: { message_id: message.id },
        });
      }
      drained = expired.length < PAGE;
    }
    // A past hour, once empty, never fills again: the cursor moves past it. The current hour stays.
    if (!drained || bucket === current) break;
    cursor = bucket + 1;
  }
  if (cursor !== start || (await reaperCursor()) === undefined) await setReaperCursor(cursor);
  logger.info('secret messages reaped', { reaped, hours, cursor });
  return { reaped, hours, cursor };
}
