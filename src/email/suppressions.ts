// EmailSuppressions table: recipients SES rejected permanently, per tenant, so they are not mailed again and again.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { clock } from '../core/clock';
import { documentClient } from '../core/db/client';
import { emailConfig } from './config';

const table = () => emailConfig().suppressionsTable;
const keyOf = (tenantId: string, address: string) => `${tenantId}#${address.toLowerCase()}`;
// A rejection is not forever: mailboxes come back. Re-try a suppressed address after 30 days.
const SUPPRESS_SECONDS = 30 * 86_400;

export async function suppressAddress(tenantId: string, address: string, reason: string): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: table(),
      Item: {
        suppression_key: keyOf(tenantId, address),
        reason: reason.slice(0, 500),
        suppressed_at: new Date(clock.now()).toISOString(),
        ttl: clock.seconds() + SUPPRESS_SECONDS,
      },
    }),
  );
}

export async function isAddressSuppressed(tenantId: string, address: string): Promise<boolean> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: table(), Key: { suppression_key: keyOf(tenantId, address) } }),
  );
  return Item !== undefined && (Item.ttl as number) > clock.seconds();
}
