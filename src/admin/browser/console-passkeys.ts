// The console's passkey buttons: on the sign-in page, a passkey instead of the authenticator code (platform admins);
// on the account page, adding one. Without JavaScript the console works as before, with codes.
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';

async function post(path: string, csrf: string, body?: unknown) {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body ?? {}),
  });
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new Error(String(answer.detail ?? 'That did not work; try again.'));
  return answer;
}

function wire(id: string, run: (root: HTMLElement, csrf: string) => Promise<void>) {
  const root = document.getElementById(id);
  const button = root?.querySelector('button');
  const error = root?.querySelector<HTMLElement>('.passkey-error');
  if (!root || !button || !browserSupportsWebAuthn()) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.disabled = true;
    if (error) error.hidden = true;
    try {
      await run(root, root.dataset.csrf ?? '');
    } catch (e) {
      if (error) {
        error.textContent =
          (e as Error).name === 'NotAllowedError' ? 'No passkey was used.' : (e as Error).message;
        error.hidden = false;
      }
      button.disabled = false;
    }
  });
}

wire('passkey-login', async (root, csrf) => {
  const form = root.closest('form') as HTMLFormElement;
  const options = await post('/admin/login/passkey-options', csrf);
  const assertion = await startAuthentication({ optionsJSON: options as never });
  (form.elements.namedItem('passkey') as HTMLInputElement).value = JSON.stringify(assertion);
  form.requestSubmit();
});

wire('passkey-register', async (root, csrf) => {
  const options = await post('/admin/account/passkeys/options', csrf);
  const response = await startRegistration({ optionsJSON: options as never });
  const name = (root.querySelector('input[name="passkey_name"]') as HTMLInputElement | null)?.value ?? '';
  await post('/admin/account/passkeys', csrf, { response, name });
  window.location.assign('/admin/account?notice=passkey_added');
});
