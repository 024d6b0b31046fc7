// /secrets: signs in, lists the messages, and opens one in this browser: the password unwraps the private key
// here, the envelope opens here, and then the message is burned on the server.
import { fromBase64Url, openEnvelope } from '../envelope';
import { unwrapPrivateKey, type WrappedKey } from './unwrap';

const form = document.getElementById('sign-in') as HTMLFormElement;
const status = document.getElementById('status') as HTMLElement;
const list = document.getElementById('messages') as HTMLUListElement;
let token = '';
let password = '';
let mfaToken = '';

const say = (message: string, tone: 'success' | 'error' | 'info' = 'info') => {
  status.textContent = message;
  status.className = `notice ${tone}`;
  status.hidden = message === '';
};
const show = (id: string, visible = true) => {
  (document.getElementById(id) as HTMLElement).hidden = !visible;
};
const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;

type SignedIn = {
  token: string;
  mfa_required?: boolean;
  mfa_enrollment_required?: boolean;
  mfa_token?: string;
};
type Listed = { messages: { id: string; created_at: string; bytes: number }[] };
type Sealed = { envelope: string; public_key: string; wrapped_key: WrappedKey };

async function call<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (form.dataset.csrf) headers['x-csrf-token'] = form.dataset.csrf;
  const response = await fetch(path, { credentials: 'same-origin', ...init, headers });
  const body = response.status === 204 ? {} : await response.json();
  if (!response.ok) throw new Error((body as { detail?: string }).detail ?? `${response.status}`);
  return body as T;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    if (!mfaToken) {
      password = field('password');
      const body = await call<SignedIn>('/secrets/sign-in', {
        method: 'POST',
        body: JSON.stringify({ site: form.dataset.site, email: field('email'), password }),
      });
      if (body.mfa_enrollment_required) return say('Set up two-factor sign-in on the site first.', 'error');
      if (body.mfa_required) {
        mfaToken = body.mfa_token ?? '';
        show('code-field');
        return say('Enter the code from your authenticator app.');
      }
      token = body.token;
    } else {
      const code = field('code').trim();
      const body = await call<SignedIn>('/auth/mfa/verify', {
        method: 'POST',
        body: JSON.stringify(
          code.includes('-') ? { mfa_token: mfaToken, recovery_code: code } : { mfa_token: mfaToken, code },
        ),
      });
      token = body.token;
    }
    show('sign-in', false);
    say('');
    await refresh();
  } catch (error) {
    say((error as Error).message, 'error');
  }
});

async function refresh() {
  const { messages } = await call<Listed>('/secrets/messages');
  list.replaceChildren();
  for (const message of messages) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Open';
    button.dataset.id = message.id;
    button.addEventListener('click', () => void open(message.id));
    item.append(`From ${new Date(message.created_at).toLocaleString()} (${message.bytes} bytes) `, button);
    list.append(item);
  }
  show('inbox');
  show('empty', messages.length === 0);
}

async function open(id: string) {
  try {
    say('Unlocking your key in this browser…');
    const sealed = await call<Sealed>(`/secrets/messages/${encodeURIComponent(id)}/sealed`);
    const publicKey = fromBase64Url(sealed.public_key);
    const privateKey = await unwrapPrivateKey(sealed.wrapped_key, password, publicKey);
    const text = await openEnvelope(privateKey, sealed.envelope);
    privateKey.fill(0);
    (document.getElementById('plaintext') as HTMLElement).textContent = text;
    show('reader');
    await call(`/secrets/messages/${encodeURIComponent(id)}/burn`, { method: 'POST' });
    say('');
    await refresh();
  } catch (error) {
    say(`The message could not be opened here (${(error as Error).message}).`, 'error');
  }
}
