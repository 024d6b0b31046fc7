// The documentation feature's public face: how every other feature defines a route with its docs. Nothing here
// loads zod: the health routes use it at every cold start.
export {
  type DocSchema,
  defineRoute,
  documentedRoutes,
  type RouteDoc,
  type RouteSpec,
  type Security,
} from './registry';
