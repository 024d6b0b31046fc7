// /dev/signed-in: the demo site's "signed-in" page in make dev, where the hosted sign-in page, the providers and the
// emailed links send the browser. It does what a site's page does: reads #oauth_code or #magic_token from the
// fragment, spends it with the demo key, and shows who is signed in. Mounted only by the dev server (S50).
import { Hono } from 'hono';
import { DEMO } from './seed';

const CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signed in? - demo site</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2933}
pre{background:#f4f5f7;padding:1rem;overflow:auto}a{color:#2563eb}</style></head>
<body><h1>Demo site</h1><p id="status">Reading the sign-in result from the address...</p><pre id="answer" hidden></pre>
<p><a href="/login?site=${encodeURIComponent(`${DEMO.clientId}#${DEMO.siteId}`)}&amp;redirect_uri=${encodeURIComponent('http://localhost:3000/dev/signed-in')}">Sign in again</a></p>
<script type="module" src="/dev/signed-in.js"></script></body></html>`;

// What a site's own page runs: the fragment never reaches a server; the code or token is spent once, with the key.
const SCRIPT = `
const status = document.getElementById('status');
const out = document.getElementById('answer');
const params = new URLSearchParams(location.hash.slice(1));
history.replaceState(null, '', location.pathname);
const code = params.get('oauth_code'), token = params.get('magic_token'), error = params.get('oauth_error');
const call = (path, body) => fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ${JSON.stringify(DEMO.apiKey)} }, body: JSON.stringify(body) }).then((r) => r.json());
(async () => {
  if (error) { status.textContent = 'The provider said: ' + error; return; }
  if (!code && !token) { status.textContent = 'Nothing to exchange: sign in first.'; return; }
  const answer = code ? await call('/auth/oauth/exchange', { code }) : await call('/auth/magic-link/verify', { token });
  status.textContent = answer.user ? 'Signed in as ' + answer.user.email + ' (the site now holds its tokens).'
    : answer.mfa_required ? 'A second factor is owed: finish with /auth/mfa/verify.'
    : answer.link_required ? 'An account has this email: prove it (POST /auth/oauth/link with the password) to link.'
    : 'Not signed in: ' + (answer.detail || 'unknown answer');
  out.textContent = JSON.stringify({ ...answer, token: answer.token && answer.token.slice(0, 24) + '...', refresh_token: answer.refresh_token && '(hidden)' }, null, 2);
  out.hidden = false;
})();
`;

export const devSignedInRoutes = new Hono()
  .get('/dev/signed-in', (c) => {
    c.header('Content-Security-Policy', CSP);
    c.header('Referrer-Policy', 'no-referrer');
    return c.html(PAGE);
  })
  .get('/dev/signed-in.js', (c) => c.body(SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
