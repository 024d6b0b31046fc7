// S35 headers on every response: HSTS, nosniff, referrer policy, and a deny-all CSP (HTML routes may loosen it).
import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

export const securityHeaders = (): MiddlewareHandler =>
  secureHeaders({
    strictTransportSecurity: 'max-age=63072000; includeSubDomains',
    xContentTypeOptions: 'nosniff',
    referrerPolicy: 'no-referrer',
    xFrameOptions: 'DENY',
    // Sites call this API from other origins; CORS, not CORP, decides who may read it.
    crossOriginResourcePolicy: 'cross-origin',
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
    },
    removePoweredBy: true,
    // A page that sets its own CSP (Swagger UI, admin pages) keeps it; everything else gets the deny-all one.
    overwrite: false,
  });
