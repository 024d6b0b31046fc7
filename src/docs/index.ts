// The documentation feature's public face: how every other feature defines a route with its docs, and the error
// bodies they share.
export { defineRoute, documentedRoutes, type RouteDoc, type RouteSpec, type Security } from './registry';
export { errorResponse, validationErrorResponse } from './schemas';
