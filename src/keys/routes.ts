// /.well-known: the public signing keys, so sites can verify our ES256 access tokens offline.
import * as z from 'zod';
import { tokens } from '../core/jwt';
import { defineRoute } from '../docs';
import { featureRouter } from '../middleware/feature';

const wellKnown = featureRouter('/.well-known');

defineRoute(
  wellKnown,
  {
    method: 'get',
    path: '/jwks.json',
    operationId: 'jwks',
    tag: 'keys',
    summary: 'Public keys for verifying access tokens offline (ES256; empty with HS256)',
    responses: {
      200: { description: 'JWK set', schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) },
    },
  },
  async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await tokens().jwks());
  },
);

export default wellKnown;
