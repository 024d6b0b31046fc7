// Lambda entry for PublishQueue (S3 notifications of PublishBucket): renders and commits each site's uploads.
import { assertConfig, tablesFor } from '../src/core/config';
import { errorReportingConfig } from '../src/core/error-reporting';
import { logFeature } from '../src/core/log';
import { withMetrics } from '../src/core/metrics';
import { githubConfig, publishConfig } from '../src/publish/config';
import { createPublisher } from '../src/publish/publisher';

export const config = [
  tablesFor('TENANTS_TABLE', 'PUBLISH_RECORDS_TABLE', 'STATS_TABLE'),
  publishConfig,
  githubConfig,
  errorReportingConfig,
];
assertConfig(config);
logFeature('publish');

export const handler = withMetrics(createPublisher());
