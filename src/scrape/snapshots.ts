// Raw HTML of each fetched page, gzipped, in S3 (the bucket's lifecycle rule expires it), and a short-lived
// presigned link to one for the console.
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
      ContentType: 'text/html; charset=utf-8',
      ContentEncoding: 'gzip',
    }),
  );
}

/** A link valid for 5 minutes; the snapshot is served as plain text so a browser never runs the page's scripts. */
export async function snapshotLink(key: string): Promise<string> {
  const { getSignedUrl } = await import('@aws-sdk/s3-request-presigner');
  return getSignedUrl(
    client(),
    new GetObjectCommand({
      Bucket: snapshotsConfig().bucket,
      Key: key,
      ResponseContentType: 'text/plain; charset=utf-8',
      ResponseContentDisposition: 'inline',
    }),
    { expiresIn: 300 },
  );
}
