// /openapi.json (generated from the routes' zod schemas) and Swagger UI at /docs, its assets served from here.
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { NotFoundError } from '../core/errors';
import { openApiDocument } from './openapi';
import { documentRoute } from './registry';
import { isSwaggerFile, SWAGGER_FILES, swaggerFile } from './swagger-assets';

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lambdalith API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>`;

const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

// Everything from this origin, nothing inline: no CDN, no Subresource Integrity to get wrong.
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'";

documentRoute({
  method: 'get',
  path: '/openapi.json',
  tag: 'docs',
  summary: 'This document: OpenAPI 3.1, generated from the routes and their zod schemas',
  responses: { 200: { description: 'The OpenAPI document' } },
});

export const docsRoutes = new Hono<AppEnv>()
  .get('/openapi.json', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(openApiDocument());
  })
  .get('/docs', (c) => {
    c.header('Content-Security-Policy', DOCS_CSP);
    return c.html(page);
  })
  .get('/docs/init.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(init);
  })
  .get('/docs/assets/:file', async (c) => {
    const name = c.req.param('file');
    if (!isSwaggerFile(name)) throw new NotFoundError();
    c.header('Content-Type', SWAGGER_FILES[name]);
    c.header('Cache-Control', 'public, max-age=86400');
    return c.body(new Uint8Array(await swaggerFile(name)));
  });
