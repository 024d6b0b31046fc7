// The one DynamoDB DocumentClient of the process; endpoints come from the SDK's AWS_ENDPOINT_URL_DYNAMODB.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const documentClient = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    maxAttempts: 3,
    // Fail fast: a Lambda waiting on a dead connection burns its whole timeout.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  }),
  { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } },
);
