// /s/{inbox}: seals the message in this browser and posts only the envelope. No plaintext leaves the page.
import { fromBase64Url, sealText } from '../envelope';

const form = document.getElementById('send') as HTMLFormElement;
const status = document.getElementById('status') as HTMLElement;
const say = (message: string, tone: 'success' | 'error' | 'info' = 'info') => {
  status.textContent = message;
  status.className = `notice ${tone}`;
  status.hidden = false;
};

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const { inbox = '', publicKey = '', maxBytes = '0', csrf = '' } = form.dataset;
  const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
  const button = form.querySelector('button') as HTMLButtonElement;
  button.disabled = true;
  try {
    const envelope = await sealText(fromBase64Url(publicKey), field('text'));
    if (envelope.length > Number(maxBytes)) return say('The message is too long for this inbox.', 'error');
    const response = await fetch(`/s/${encodeURIComponent(inbox)}/messages`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({
        envelope,
        ttl_seconds: Number(field('ttl')),
        max_reads: Number(field('reads')),
      }),
    });
    const body = (await response.json()) as { detail?: string; expires_at: string; receipt: string };
    if (!response.ok) return say(body.detail ?? 'The message was not sent.', 'error');
    (form.elements.namedItem('text') as HTMLTextAreaElement).value = '';
    say(
      `Sent. It expires ${new Date(body.expires_at).toLocaleString()}. Receipt: ${body.receipt}`,
      'success',
    );
  } catch {
    say('The message could not be encrypted or sent. Try again.', 'error');
  } finally {
    button.disabled = false;
  }
});
