// make dev's environment for each function (also `npm run invoke` against a running make dev).

/**
 * What a function's process gets: its template environment, PATH and HOME for tooling, and make dev's two local
 * stand-ins where the function has those variables: hosted pages link back here, and without Twilio credentials
 * SMS codes are printed in this terminal (never in a deployment).
 */
export function devEnvironment(
  own: Record<string, string>,
  { twilioConfigured, ports }: { twilioConfigured: boolean; ports: { http: number; stripe: number } },
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...own, PATH: process.env.PATH, HOME: process.env.HOME };
  if ('PUBLIC_BASE_URL' in own) env.PUBLIC_BASE_URL = `http://localhost:${ports.http}`;
  // The demo scrape job watches this server's own fixture page; in AWS the setting is refused (S44).
  if ('OUTBOUND_ALLOW_LOOPBACK' in own) env.OUTBOUND_ALLOW_LOOPBACK = 'true';
  // The publisher commits to the fake GitHub this server runs (/dev/github), never to github.com.
  if ('GITHUB_API_URL' in own) env.GITHUB_API_URL = `http://localhost:${ports.http}/dev/github/api`;
  // Sign-in with Google and GitHub goes to the local OIDC server and fake GitHub this server runs.
  if ('OAUTH_GOOGLE_ISSUER' in own) {
    env.OAUTH_GOOGLE_ISSUER = `http://localhost:${ports.http}/dev/google`;
    env.OAUTH_GITHUB_URL = `http://localhost:${ports.http}/dev/github`;
    env.OAUTH_GITHUB_API_URL = `http://localhost:${ports.http}/dev/github/api`;
  }
  // Stripe is the local fake the dev server runs: its API on its own port, its pages under /dev/stripe.
  if ('STRIPE_API_URL' in own) env.STRIPE_API_URL = `http://127.0.0.1:${ports.stripe}`;
  // The demo shows a failed sign-in alert after a handful of wrong passwords, not fifty.
  if ('ALERT_DLQ_URLS' in own) env.ALERT_FAILED_SIGN_INS = '5';
  if ('TWILIO_SECRET_ARN' in own) {
    for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'TWILIO_API_URL']) {
      env[name] = process.env[name];
    }
    env.SMS_TO_CONSOLE = twilioConfigured ? 'false' : 'true';
  }
  return env;
}
