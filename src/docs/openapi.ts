// Builds the OpenAPI 3.1 document from every feature's documented routes; built on the first request of
// /openapi.json (which loads every feature), then kept.
import * as z from 'zod';
import { loadAllFeatures } from '../features';
import { type DocSchema, documentedRoutes, isZodSchema, type RouteDoc } from './registry';
import { errorResponse, validationErrorResponse } from './schemas';

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

const jsonSchema = (schema: DocSchema, io: 'input' | 'output') =>
  isZodSchema(schema) ? z.toJSONSchema(schema, { io, unrepresentable: 'any' }) : schema;

type Response = { description: string; schema?: DocSchema };

/** The errors a route can give by what it is: a body, a credential, and any dependency; its own list wins. */
function errorResponsesOf(route: RouteDoc): Record<number, Response> {
  const responses: Record<number, Response> = {
    // Any route: the Lambda entry refuses header values with control or non-Latin-1 characters.
    400: { description: 'Malformed request header' },
    503: { description: 'A dependency is unavailable; try again after Retry-After' },
  };
  if (route.body) {
    responses[400] = { description: 'Malformed JSON, or a malformed request header' };
    responses[413] = { description: 'Body too large' };
    responses[415] = { description: 'Content-Type is not application/json' };
    responses[422] = { description: 'Invalid fields', schema: validationErrorResponse };
  }
  if (route.security?.length) responses[401] = { description: 'Not authenticated, or an invalid API key' };
  if (route.path.includes('{')) responses[404] = { description: 'Not found' };
  return responses;
}

function operation(route: RouteDoc) {
  const all: Record<number, Response> = { ...errorResponsesOf(route), ...route.responses };
  const responses = Object.fromEntries(
    Object.entries(all).map(([status, r]) => [
      status,
      {
        description: r.description,
        content:
          route.html && Number(status) < 300
            ? { 'text/html': { schema: { type: 'string' } } }
            : { 'application/json': { schema: jsonSchema(r.schema ?? errorResponse, 'output') } },
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
    operationId: route.operationId,
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
    ...(route.fetch
      ? { 'x-codeSamples': [{ lang: 'JavaScript', label: 'fetch', source: route.fetch }] }
      : {}),
  };
}

const TAGS: Record<string, string> = {
  health: 'Liveness and readiness',
  keys: 'Public keys for verifying tokens',
  auth: "Sign-up, sign-in, tokens and password reset for a site's users",
  mfa: 'Two-factor sign-in: factors, enrollment and the second step',
  user: 'The signed-in user and their sessions',
  email: "Email from a site's own services",
  secrets: 'Secret messages: an encrypted dead-drop for each user',
  'secret-pages': 'Hosted pages that seal and open secret messages in the browser',
  scrape: 'Scheduled scrape jobs: pages fetched, fields extracted, real changes notified',
  publish: 'Markdown publishing: uploads, previews and what happened to each page',
  oauth: 'Sign-in with Google and GitHub, and the accounts linked to a user',
  passkeys: 'Passkeys (WebAuthn): registering, signing in, managing them',
  docs: 'This documentation',
};

let cached: Promise<object> | undefined;

export function openApiDocument(): Promise<object> {
  cached ??= loadAllFeatures().then(() => {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of [...documentedRoutes()].sort((a, b) => a.path.localeCompare(b.path))) {
      paths[route.path] ??= {};
      (paths[route.path] as Record<string, unknown>)[route.method] = operation(route);
    }
    const tags = [...new Set(documentedRoutes().map((r) => r.tag))].map((name) => ({
      name,
      description: TAGS[name] ?? name,
    }));
    return {
      openapi: '3.1.0',
      info: {
        title: 'lambdalith',
        version: '0.1.0',
        description: 'Shared serverless backend for many sites: accounts, sessions and tokens per tenant.',
        license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
      },
      // Relative: the document describes whichever deployment (or make dev) serves it.
      servers: [{ url: '/', description: 'This deployment' }],
      tags,
      components: { securitySchemes },
      paths,
    };
  });
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
