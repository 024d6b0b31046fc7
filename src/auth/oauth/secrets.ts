// Sites' OAuth client secrets (S46): written by the console, read only by the callback, in Secrets Manager as
// <OAUTH_SECRET_PREFIX><client_id>/<site_id>/<provider>.
import { siteSecrets } from '../../core/site-secrets';
import { oauthConfig } from './config';

export const clientSecrets = siteSecrets(() => oauthConfig().secretPrefix);
