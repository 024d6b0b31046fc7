// /openapi.json (generated from the routes' zod schemas) and Swagger UI at /docs.
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { openApiDocument } from './openapi';

// Swagger UI from a pinned CDN build; the page's CSP allows exactly that origin and no inline script.
const SWAGGER = 'https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.17.14';

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lambdalith API</title>
<link rel="stylesheet" href="${SWAGGER}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${SWAGGER}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>`;

const init = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

export const docsRoutes = new Hono<AppEnv>()
  .get('/openapi.json', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(openApiDocument());
  })
  .get('/docs', (c) => {
    c.header(
      'Content-Security-Policy',
      `default-src 'none'; script-src 'self' ${SWAGGER}/; style-src ${SWAGGER}/; img-src 'self' data:; connect-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'`,
    );
    return c.html(page);
  })
  .get('/docs/init.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(init);
  });
