// Where sites' Stripe credentials live (each site's secret key and webhook signing secret are the secrets named
// <prefix><client_id>/<site_id>/secret-key and .../webhook-secret, S46), and which Stripe API the SDK talks to:
// api.stripe.com, or the local fake in make dev and the tests.
import { configSlice, text, url } from '../core/config';

export const billingConfig = configSlice(
  {
    STRIPE_SECRET_PREFIX: text({ min: 1, max: 200 }).or('lambdalith-stripe/'),
    STRIPE_API_URL: url().or('https://api.stripe.com'),
  },
  (e) => ({ secretPrefix: e.STRIPE_SECRET_PREFIX, stripeApiUrl: e.STRIPE_API_URL }),
);
