// Where sites' Stripe credentials live: each site's secret key and webhook signing secret are the secrets named
// <prefix><client_id>/<site_id>/secret-key and .../webhook-secret (S46).
import { configSlice, text } from '../core/config';

export const billingConfig = configSlice(
  { STRIPE_SECRET_PREFIX: text({ min: 1, max: 200 }).or('lambdalith-stripe/') },
  (e) => ({ secretPrefix: e.STRIPE_SECRET_PREFIX }),
);
