// Routes describe themselves where they are defined (defineRoute); /openapi.json is generated from these docs and
// their zod schemas, and the tests take their route lists from here too.
import type { Handler, MiddlewareHandler } from 'hono';
import type * as z from 'zod';
import type { AppEnv } from '../app-env';
import type { FeatureRouter } from '../middleware/feature';

export type Security = 'apiKey' | 'bearer' | 'cookie';

/**
 * A body's shape: its zod schema, or plain JSON Schema where zod would be the only reason to load it (the health
 * routes, served before any feature and by every cold start).
 */
export type DocSchema = z.ZodType | { type: string; [keyword: string]: unknown };
export const isZodSchema = (schema: DocSchema): schema is z.ZodType => '_zod' in schema;
export type Method = 'get' | 'post' | 'put' | 'delete';

export type RouteDoc = {
  method: Method;
  /** OpenAPI path syntax, prefix included: /user/sessions/{session_id}. */
  path: string;
  /** Stable and unique: generated clients name their functions after it. */
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** Any one of these authenticates the route; none means public. */
  security?: Security[];
  body?: z.ZodType;
  bodyRequired?: boolean;
  /** Success responses; the error responses the route can give are added from what it declares (see openapi.ts). */
  responses: Record<number, { description: string; schema?: DocSchema }>;
  /** A hosted page: its success answer is HTML, not JSON. */
  html?: true;
  /** How a site's page calls it with fetch (`API`, `SITE_KEY` and `token` as in the docs): x-codeSamples. */
  fetch?: string;
};

/** A route as its feature defines it: the path is Hono's, relative to the feature's prefix (`/mfa/:factor`). */
export type RouteSpec = Omit<RouteDoc, 'path'> & { path: string };

const routes: RouteDoc[] = [];

export const documentedRoutes = (): readonly RouteDoc[] => routes;

const toOpenApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** Registers a route on its feature's router and its documentation in one place. */
export function defineRoute(
  router: FeatureRouter,
  spec: RouteSpec,
  ...handlers: (MiddlewareHandler<AppEnv> | Handler<AppEnv>)[]
): void {
  router.on(spec.method.toUpperCase(), spec.path, ...(handlers as [Handler<AppEnv>]));
  const path = toOpenApiPath(`${router.prefix}${spec.path === '/' && router.prefix ? '' : spec.path}`) || '/';
  if (!routes.some((r) => r.method === spec.method && r.path === path)) routes.push({ ...spec, path });
}
