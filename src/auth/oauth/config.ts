// Where the providers are, and where sites' client secrets live. The defaults are the real providers; make dev and
// the tests point them at the local OIDC server and the fake GitHub (S50: neither exists in a deployment).
import { configSlice, text, url } from '../../core/config';

export const oauthConfig = configSlice(
  {
    /** Google's issuer; its endpoints and keys come from the issuer's discovery document. */
    OAUTH_GOOGLE_ISSUER: url().or('https://accounts.google.com'),
    /** Where GitHub's authorize and token endpoints are (/login/oauth/...). */
    OAUTH_GITHUB_URL: url().or('https://github.com'),
    OAUTH_GITHUB_API_URL: url().or('https://api.github.com'),
    /** Each site's client secret is the secret named <prefix><client_id>/<site_id>/<provider>. */
    OAUTH_SECRET_PREFIX: text({ min: 1, max: 200 }).or('lambdalith-oauth/'),
  },
  (e) => ({
    googleIssuer: e.OAUTH_GOOGLE_ISSUER.replace(/\/+$/, ''),
    githubUrl: e.OAUTH_GITHUB_URL.replace(/\/+$/, ''),
    githubApiUrl: e.OAUTH_GITHUB_API_URL.replace(/\/+$/, ''),
    secretPrefix: e.OAUTH_SECRET_PREFIX,
  }),
);
