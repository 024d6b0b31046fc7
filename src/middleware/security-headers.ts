// S35 headers on every response: HSTS, nosniff, referrer policy, and a deny-all CSP (HTML routes may loosen it);
// with Hono's defaults (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, ...) and the two below, the fifteen or
// so seed 002 asks for. Cache-Control is each route's own (no-store for anything personal).
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
    // Our pages embed nothing from elsewhere.
    crossOriginEmbedderPolicy: 'require-corp',
    // Nothing here uses these; passkeys (publickey-credentials-*) stay allowed for this origin.
    permissionsPolicy: {
      camera: [],
      microphone: [],
      geolocation: [],
      payment: [],
      usb: [],
      bluetooth: [],
      serial: [],
    },
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
