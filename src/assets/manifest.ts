// Every static file the HTTP function serves under /assets, and where it comes from. The build copies each into
// the function's artifact (assets/<name>); from source they are read where they live.
export type AssetSource = { file: string } | { package: string; file: string };

export const ASSETS = {
  'admin.css': { type: 'text/css; charset=utf-8', source: { file: 'public/admin.css' } },
  'pages.css': { type: 'text/css; charset=utf-8', source: { file: 'public/pages.css' } },
  // Linked from every page so browsers do not ask for a /favicon.ico that is not there.
  'favicon.svg': { type: 'image/svg+xml', source: { file: 'public/favicon.svg' } },
  // The secret-message pages' scripts, built from src/secrets/browser (npm run templates).
  'secrets-send.js': { type: 'text/javascript; charset=utf-8', source: { file: 'public/secrets-send.js' } },
  'secrets-inbox.js': { type: 'text/javascript; charset=utf-8', source: { file: 'public/secrets-inbox.js' } },
  // The hosted sign-in page's passkey button (src/login-page/browser, with @simplewebauthn/browser).
  'login.js': { type: 'text/javascript; charset=utf-8', source: { file: 'public/login.js' } },
  // The console's passkey buttons (src/admin/browser).
  'admin-passkeys.js': {
    type: 'text/javascript; charset=utf-8',
    source: { file: 'public/admin-passkeys.js' },
  },
  // Swagger UI for /docs, from its npm package: no CDN, so /docs works offline and under a CSP of 'self'.
  'swagger-ui/swagger-ui-bundle.js': {
    type: 'text/javascript; charset=utf-8',
    source: { package: 'swagger-ui-dist', file: 'swagger-ui-bundle.js' },
  },
  'swagger-ui/swagger-ui.css': {
    type: 'text/css; charset=utf-8',
    source: { package: 'swagger-ui-dist', file: 'swagger-ui.css' },
  },
} as const satisfies Record<string, { type: string; source: AssetSource }>;

export type AssetName = keyof typeof ASSETS;
export const isAsset = (name: string): name is AssetName => Object.hasOwn(ASSETS, name);
