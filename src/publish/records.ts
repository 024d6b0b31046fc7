// PublishRecords: one record per uploaded path of a site (site#<tenant> / page#<path>) with its status, commit and
// error, which the console lists; and each site's publishing lease (lease#<tenant>), so two batches for one site
// never build and commit at the same time (S3 notifications cannot feed a FIFO queue).
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { tables } from '../core/config';
import { documentClient } from '../core/db/client';
import { conditionally } from '../core/db/conditions';

export type PublishStatus = 'queued' | 'published' | 'failed' | 'skipped';
export type PublishRecord = {
  path: string;
  status: PublishStatus;
  updatedAt: string;
  title?: string;
  date?: string;
  draft?: boolean;
  /** Where it is in the repository (pages: the .html). */
  target?: string;
  commitSha?: string;
  commitUrl?: string;
  error?: string;
  removed?: boolean;
};

const table = () => tables().publishRecords;
const sitePk = (tenantId: string) => `site#${tenantId}`;

export async function putRecord(tenantId: string, record: PublishRecord): Promise<void> {
  await documentClient.send(
    new PutCommand({
      TableName: table(),
      Item: { pk: sitePk(tenantId), sk: `page#${record.path}`, record: JSON.parse(JSON.stringify(record)) },
    }),
  );
}

export async function listRecords(tenantId: string): Promise<PublishRecord[]> {
  const records: PublishRecord[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: table(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :page)',
        ExpressionAttributeValues: { ':pk': sitePk(tenantId), ':page': 'page#' },
        ExclusiveStartKey: start,
      }),
    );
    records.push(...(page.Items ?? []).map((item) => item.record as PublishRecord));
    start = page.LastEvaluatedKey;
  } while (start && records.length < 5000);
  return records;
}

/** Takes the site's lease until `until` (epoch ms) unless another holder's lease is still running. */
export async function takeLease(
  tenantId: string,
  holder: string,
  now: number,
  until: number,
): Promise<boolean> {
  return conditionally(() =>
    documentClient.send(
      new PutCommand({
        TableName: table(),
        Item: { pk: `lease#${tenantId}`, sk: 'lease', holder, until },
        ConditionExpression: 'attribute_not_exists(pk) OR #until < :now OR holder = :holder',
        ExpressionAttributeNames: { '#until': 'until' },
        ExpressionAttributeValues: { ':now': now, ':holder': holder },
      }),
    ),
  );
}

export async function releaseLease(tenantId: string, holder: string): Promise<void> {
  await conditionally(() =>
    documentClient.send(
      new DeleteCommand({
        TableName: table(),
        Key: { pk: `lease#${tenantId}`, sk: 'lease' },
        ConditionExpression: 'holder = :holder',
        ExpressionAttributeValues: { ':holder': holder },
      }),
    ),
  );
}
