// Routes describe themselves here as they are defined; /openapi.json is generated from these and their zod schemas.
import type * as z from 'zod';

export type Security = 'apiKey' | 'bearer' | 'cookie';

export type RouteDoc = {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI path syntax: /user/sessions/{session_id}. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Any one of these authenticates the route; none means public. */
  security?: Security[];
  body?: z.ZodType;
  bodyRequired?: boolean;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
};

const routes: RouteDoc[] = [];

/** Records a route for the OpenAPI document; costs a push at module load, nothing more. */
export function documentRoute(doc: RouteDoc): void {
  routes.push(doc);
}

export const documentedRoutes = (): readonly RouteDoc[] => routes;
