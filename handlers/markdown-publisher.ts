// Lambda entry for PublishQueue (S3 notifications of PublishBucket): renders and commits each site's uploads.
import { assertConfig, tablesFor } from '../src/core/config';
import { githubConfig, publishConfig } from '../src/publish/config';
import { createPublisher } from '../src/publish/publisher';

export const config = [tablesFor('TENANTS_TABLE', 'PUBLISH_RECORDS_TABLE'), publishConfig, githubConfig];
assertConfig(config);

export const handler = createPublisher();
