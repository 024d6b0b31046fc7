// A short-lived link to one raw page for the console (no S3 client in the HTTP function: see core/s3-presign.ts).
import { presignS3 } from '../core/s3-presign';
import { snapshotsConfig } from './config';

/** Valid 5 minutes; served as plain text so a browser never runs the page's scripts. */
export function snapshotLink(key: string): Promise<string> {
  return presignS3('GET', snapshotsConfig().bucket, key, {
    expiresIn: 300,
    query: { 'response-content-type': 'text/plain; charset=utf-8', 'response-content-disposition': 'inline' },
  });
}
