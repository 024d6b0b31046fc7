// Where uploads land, where tokens live, and which GitHub API the publisher talks to.
import { configSlice, text, url } from '../core/config';

export const publishConfig = configSlice(
  {
    PUBLISH_BUCKET: text({ min: 3, max: 63 }).or('publish-uploads'),
    /** Each site's GitHub token is the secret named <prefix><client_id>/<site_id>. */
    PUBLISH_SECRET_PREFIX: text({ min: 1, max: 200 }).or('lambdalith-publish/'),
  },
  (e) => ({ bucket: e.PUBLISH_BUCKET, secretPrefix: e.PUBLISH_SECRET_PREFIX }),
);

/** The publisher only: GitHub's API, or the local fake in make dev and the tests. */
export const githubConfig = configSlice({ GITHUB_API_URL: url().or('https://api.github.com') }, (e) => ({
  apiUrl: e.GITHUB_API_URL,
}));
