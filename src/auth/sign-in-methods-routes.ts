// The sign-in methods beyond the password, as one feature (one lazily loaded chunk, so the routes they share code
// with split into fewer pieces): Google and GitHub with linked accounts, passkeys, and the hosted sign-in page.
// Nothing here loads on a password sign-in.
import { featureRouter } from '../middleware/feature';
import { publicRateClass } from '../middleware/rate-class';
import { defineHostedLoginRoutes } from './hosted-login/routes';
import { defineOAuthRoutes } from './oauth/routes';
import { definePasskeyRoutes } from './passkeys/routes';

const methods = featureRouter('/');
// The hosted sign-in page and the providers' redirects back are browsers arriving without a site key.
methods
  .use('/login', publicRateClass())
  .use('/login/*', publicRateClass())
  .use('/auth/oauth/*/callback', publicRateClass());
defineOAuthRoutes(methods);
definePasskeyRoutes(methods);
defineHostedLoginRoutes(methods);

export default methods;
