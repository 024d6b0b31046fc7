// Every feature the HTTP function serves, by the prefixes it owns. Each loads on the first request under one of
// its prefixes (see middleware/feature.ts); nothing here imports a feature's code.
import type { Feature, FeatureRouter } from './middleware/feature';

const router = (module: Promise<{ default: FeatureRouter }>) => module.then((m) => m.default);

export const FEATURES: Feature[] = [
  { name: 'keys', prefixes: ['/.well-known'], load: () => router(import('./keys/routes')) },
  // Before /auth and /user: the first stub whose prefix matches answers.
  {
    name: 'sign-in-methods',
    prefixes: ['/auth/oauth', '/auth/passkeys', '/user/identities', '/user/passkeys', '/login'],
    load: () => router(import('./auth/sign-in-methods-routes')),
  },
  { name: 'auth', prefixes: ['/auth'], load: () => router(import('./auth/routes')) },
  { name: 'user', prefixes: ['/user'], load: () => router(import('./users/routes')) },
  { name: 'email', prefixes: ['/email'], load: () => router(import('./email/routes')) },
  { name: 'secrets', prefixes: ['/secrets', '/s'], load: () => router(import('./secrets/routes')) },
  { name: 'scrape', prefixes: ['/scrape'], load: () => router(import('./scrape/routes')) },
  { name: 'publish', prefixes: ['/publish'], load: () => router(import('./publish/routes')) },
  { name: 'billing', prefixes: ['/billing'], load: () => router(import('./billing/routes')) },
  {
    name: 'pages',
    prefixes: ['/reset', '/verify-email', '/magic-link'],
    load: () => router(import('./pages/routes')),
  },
  { name: 'admin', prefixes: ['/admin'], load: () => router(import('./admin')) },
  { name: 'docs', prefixes: ['/docs', '/openapi.json'], load: () => router(import('./docs/routes')) },
  { name: 'assets', prefixes: ['/assets'], load: () => router(import('./assets/routes')) },
];

/** Every feature's router, loaded: for the OpenAPI document and the tests that sweep every route. */
export const loadAllFeatures = () => Promise.all(FEATURES.map((f) => f.load()));

/** Method and path of every route there is (once the features are loaded). */
export async function routeTable(eager: FeatureRouter[] = []): Promise<{ method: string; path: string }[]> {
  const routers = [...eager, ...(await loadAllFeatures())];
  return routers.flatMap((r) =>
    r.routes.filter((route) => route.method !== 'ALL').map(({ method, path }) => ({ method, path })),
  );
}
