// AWS SDK modules for the local tooling, loaded with require: ESM-importing the SDK under vitest costs seconds.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const dynamodbSdk = (): typeof import('@aws-sdk/client-dynamodb') =>
  require('@aws-sdk/client-dynamodb');
export const sqsSdk = (): typeof import('@aws-sdk/client-sqs') => require('@aws-sdk/client-sqs');
export const s3Sdk = (): typeof import('@aws-sdk/client-s3') => require('@aws-sdk/client-s3');
export const sesSdk = (): typeof import('@aws-sdk/client-ses') => require('@aws-sdk/client-ses');
export const dynamodbStreamsSdk = (): typeof import('@aws-sdk/client-dynamodb-streams') =>
  require('@aws-sdk/client-dynamodb-streams');
export const logsSdk = (): typeof import('@aws-sdk/client-cloudwatch-logs') =>
  require('@aws-sdk/client-cloudwatch-logs');
export const secretsSdk = (): typeof import('@aws-sdk/client-secrets-manager') =>
  require('@aws-sdk/client-secrets-manager');

/** Credentials and region the local services accept (any non-empty values do). */
export const localAwsEnv = (ports: { dynamodb: number; moto: number }) => ({
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  // The SDK warns on every Node 20 process; Lambda runs Node 22 and the lockfile pins the SDK.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${ports.dynamodb}`,
  AWS_ENDPOINT_URL_DYNAMODB_STREAMS: `http://127.0.0.1:${ports.dynamodb}`,
  AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${ports.moto}`,
  AWS_ENDPOINT_URL_SES: `http://127.0.0.1:${ports.moto}`,
  AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${ports.moto}`,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${ports.moto}`,
  AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: `http://127.0.0.1:${ports.moto}`,
});
