// The Hono environment shared by the app, its middleware and feature routers.
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import type { Session } from './core/db/sessions';
import type { Tenant } from './core/db/tenants';
import type { User } from './core/db/users';
import type { VerifiedToken } from './core/jwt';
import type { Log } from './core/log';
import type { ResolvedApiKey } from './core/tenants';

/** Who is calling, once requireUser has verified their access token and live session. */
export type AuthContext = {
  claims: VerifiedToken;
  userId: string;
  /** The account as read with the session (active, and still listing the session). */
  user: User;
  tenant: Tenant;
  session: Session;
  /** How the token came: the Authorization header or the auth_token cookie (which needs an Origin check). */
  via: 'bearer' | 'cookie';
  token: string;
};

export type AppEnv = {
  /** Present when running under the Lambda adapter; absent under node-server and app.request(). */
  Bindings: {
    event?: LambdaEvent;
    lambdaContext?: LambdaContext;
    incoming?: IncomingMessage;
    /** Inside a feature's router: the app's context of the same request (see middleware/feature.ts). */
    outer?: Context<AppEnv>;
  };
  Variables: {
    requestId: string;
    log: Log;
    /** Set by the requireTenant middleware. */
    tenantKey: ResolvedApiKey;
    /** Set by the requireUser middleware. */
    auth: AuthContext;
    /** The tenant this request acts for, once known (API key or token); CORS reads it. */
    tenant: Tenant;
    // A feature's own middleware declares what it sets in hono's ContextVariableMap, in the feature's folder.
  };
};
