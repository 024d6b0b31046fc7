// The billing feature's public face for the console: a site's Stripe account settings (write-only secrets, S46),
// a user's billing and refunds, a site's summary.
export { billingConfig } from './config';
export { refundPayment } from './refund';
export { saveStripeAccount, stripeAccountValues } from './stripe-account';
export { siteBillingSummary, userBilling } from './summary';
