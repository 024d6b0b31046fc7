// The hosted sign-in page's passkey button: asks this origin for WebAuthn options, lets the browser's authenticator
// sign them, and follows the answer back to the site's page. The password, provider and link forms need no script.
import { browserSupportsWebAuthn, startAuthentication, WebAuthnError } from '@simplewebauthn/browser';

const signIn = document.getElementById('passkey-signin');
const secondStep = document.getElementById('passkey-mfa');
const root = signIn ?? secondStep;
const button = document.getElementById('passkey-button') as HTMLButtonElement | null;
const error = document.getElementById('passkey-error') as HTMLElement | null;

async function post(path: string, body: Record<string, unknown>, csrf: string) {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new Error(String(answer.detail ?? 'That did not work; try again.'));
  return answer;
}

function show(message: string) {
  if (!error) return;
  error.textContent = message;
  error.hidden = false;
}

if (root && button && browserSupportsWebAuthn()) {
  const { site = '', redirectUri = '', codeChallenge = '', mfaToken = '', csrf = '' } = root.dataset;
  const target = { site, redirect_uri: redirectUri, code_challenge: codeChallenge };
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    if (error) error.hidden = true;
    try {
      let done: Record<string, unknown>;
      if (secondStep) {
        const { options } = await post('/login/mfa/passkey', { ...target, mfa_token: mfaToken }, csrf);
        const passkey = await startAuthentication({ optionsJSON: options as never });
        done = await post('/login/mfa/passkey', { ...target, mfa_token: mfaToken, passkey }, csrf);
      } else {
        const options = await post('/login/passkey/options', target, csrf);
        const response = await startAuthentication({ optionsJSON: options as never });
        done = await post('/login/passkey', { ...target, response }, csrf);
      }
      window.location.assign(String(done.redirect));
    } catch (e) {
      show(
        e instanceof WebAuthnError || (e as Error).name === 'NotAllowedError'
          ? 'No passkey was used.'
          : (e as Error).message,
      );
      button.disabled = false;
    }
  });
}
