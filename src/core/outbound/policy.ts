// Whether server-side fetches may reach loopback: for the tests' and `make dev`'s own fixture servers only. A
// deployed function refuses the setting (its configuration check fails), so production can never allow it.
import { choice, configSlice } from '../config';

export type OutboundPolicy = { allowLoopback: boolean };

export const outboundPolicy = configSlice(
  { OUTBOUND_ALLOW_LOOPBACK: choice(['true', 'false']).or('false') },
  (e): OutboundPolicy => ({ allowLoopback: e.OUTBOUND_ALLOW_LOOPBACK === 'true' }),
  (env) =>
    env.OUTBOUND_ALLOW_LOOPBACK === 'true' && env.AWS_LAMBDA_FUNCTION_NAME
      ? ['OUTBOUND_ALLOW_LOOPBACK is for local use only; a deployed function may not fetch loopback']
      : [],
);
