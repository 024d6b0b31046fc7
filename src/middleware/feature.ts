// Features are routers that own a path prefix and load on first use. The app keeps a stub per prefix; the first
// request under it imports the feature (with code splitting, its code is not even parsed before that) and every
// request is then handed to the feature's router, within the same request: ids, logger and errors carry over.
import type { Context, Handler } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../app-env';
import { errorHandler, notFoundHandler } from './errors';

/** A feature's router: routes relative to its prefix, its own 404/405, the app's error handling. */
export type FeatureRouter = Hono<AppEnv> & { readonly prefix: string };

/** Variables the app sets before a feature runs, and the one the app reads after it (CORS decides by tenant). */
const INHERITED = ['requestId', 'log'] as const;

export function featureRouter(prefix: string): FeatureRouter {
  const router = (prefix === '/' ? new Hono<AppEnv>() : new Hono<AppEnv>().basePath(prefix)) as FeatureRouter;
  Object.defineProperty(router, 'prefix', { value: prefix === '/' ? '' : prefix });
  router.use(async function withinRequest(c, next) {
    const outer = c.env?.outer;
    if (outer) for (const name of INHERITED) c.set(name, outer.get(name) as never);
    await next();
    const tenant = c.get('tenant');
    if (outer && tenant) outer.set('tenant', tenant);
  });
  router.notFound(notFoundHandler(router));
  router.onError(errorHandler);
  return router;
}

/** How the app knows a feature without loading it: its prefixes, and how to load its router. */
export type Feature = { name: string; prefixes: string[]; load: () => Promise<FeatureRouter> };

/** The app's stub for a feature: loads it once (again after a failed load), then dispatches to it. */
export function lazyFeature(feature: Feature): Handler<AppEnv> {
  let router: Promise<FeatureRouter> | undefined;
  return async (c: Context<AppEnv>) => {
    c.var.log?.annotate({ feature: feature.name });
    router ??= feature.load().catch((error) => {
      router = undefined;
      throw error;
    });
    return (await router).fetch(c.req.raw, { ...c.env, outer: c });
  };
}

export function mountFeatures(app: Hono<AppEnv>, features: Feature[]): void {
  for (const feature of features) {
    const dispatch = lazyFeature(feature);
    for (const prefix of feature.prefixes) app.all(prefix, dispatch).all(`${prefix}/*`, dispatch);
  }
}
