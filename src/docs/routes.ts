// /openapi.json (generated from every feature's routes and their zod schemas) and Swagger UI at /docs.

import { featureRouter } from '../middleware/feature';
import { openApiDocument } from './openapi';
import { defineRoute } from './registry';

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lambdalith API</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/assets/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>`;

const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

// Everything from this origin, nothing inline: no CDN, no Subresource Integrity to get wrong.
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'";

// Two prefixes (/docs and /openapi.json), so the router sits at the root with full paths.
const docs = featureRouter('/');

defineRoute(
  docs,
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    tag: 'docs',
    summary: 'This document: OpenAPI 3.1, generated from the routes and their zod schemas',
    responses: { 200: { description: 'The OpenAPI document' } },
  },
  async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await openApiDocument());
  },
);

docs
  .get('/docs', (c) => {
    c.header('Content-Security-Policy', DOCS_CSP);
    return c.html(page);
  })
  .get('/docs/init.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(init);
  });

export default docs;
