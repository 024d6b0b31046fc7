// The Hono environment shared by the app, its middleware and feature routers.
import type { LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import type { Log } from './core/log';
import type { ResolvedApiKey } from './core/tenants';

export type AppEnv = {
  /** Present when running under the Lambda adapter; absent under node-server and app.request(). */
  Bindings: { event?: LambdaEvent; lambdaContext?: LambdaContext };
  Variables: {
    requestId: string;
    log: Log;
    /** Set by the requireTenant middleware. */
    tenantKey: ResolvedApiKey;
  };
};
