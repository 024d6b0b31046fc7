// Builds the OpenAPI 3.1 document from the documented routes; run on first request of /openapi.json, then kept.
import * as z from 'zod';
import { errorResponse } from '../auth/schemas';
import { documentedRoutes, type RouteDoc } from './registry';

const securitySchemes = {
  apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: "The site's API key" },
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Access token from /auth/login',
  },
  cookie: { type: 'apiKey', in: 'cookie', name: 'auth_token', description: 'Cookie mode (tenant setting)' },
};

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any' });

function operation(route: RouteDoc) {
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, r]) => [
      status,
      {
        description: r.description,
        content: { 'application/json': { schema: jsonSchema(r.schema ?? errorResponse, 'output') } },
      },
    ]),
  );
  const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  return {
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(parameters.length ? { parameters } : {}),
    security: route.security?.length ? route.security.map((s) => ({ [s]: [] })) : [],
    ...(route.body
      ? {
          requestBody: {
            required: route.bodyRequired ?? true,
            content: { 'application/json': { schema: jsonSchema(route.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of documentedRoutes()) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method] = operation(route);
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'lambdalith',
      version: '0.1.0',
      description: 'Shared serverless backend for many sites: accounts, sessions and tokens per tenant.',
    },
    components: { securitySchemes },
    paths,
  };
  return cached;
}
