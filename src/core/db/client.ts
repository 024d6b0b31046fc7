// The one DynamoDB DocumentClient of the process; endpoints come from the SDK's AWS_ENDPOINT_URL_DYNAMODB.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { REQUEST_PATH_LIMITS } from '../aws-limits';

export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(REQUEST_PATH_LIMITS), {
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
});
