// Raw HTML of each fetched page, gzipped, in S3 (the bucket's lifecycle rule expires it). The worker writes them;
// the console links to them with snapshot-link.ts.
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { WORKER_LIMITS } from '../core/aws-limits';
import { snapshotsConfig } from './config';

let s3: S3Client | undefined;
// Path-style keeps moto (and any S3-compatible endpoint) addressable by host:port.
const client = () => (s3 ??= new S3Client({ ...WORKER_LIMITS, forcePathStyle: true }));

export const snapshotKey = (tenantId: string, jobId: string, runId: string, page: number) =>
  `${encodeURIComponent(tenantId)}/${jobId}/${runId}/${page}.html.gz`;

export async function putSnapshot(key: string, html: Buffer): Promise<void> {
  await client().send(
    new PutObjectCommand({
      Bucket: snapshotsConfig().bucket,
      Key: key,
      Body: gzipSync(html),
      // Stored as text: opened from the console, a scraped page's scripts must never run (S45).
      ContentType: 'text/plain; charset=utf-8',
      ContentEncoding: 'gzip',
    }),
  );
}
