// /dev/billing: the demo site's wallet page in make dev, doing what a site's own page would with the billing API:
// sign in (the demo user, prefilled), show the balance, ledger, payments and cards, and start a top-up, a credit
// pack or a subscription at the local Stripe (/dev/stripe), which sends the browser back here once paid. "Spend"
// is the site's server charging the balance with its key (POST /billing/charge). Mounted only by the dev server (S50).
import { Hono } from 'hono';
import { DEMO, DEMO_STRIPE, DEMO_USER } from './seed';

const CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wallet - demo site</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1f2933}
pre{background:#f4f5f7;padding:1rem;overflow:auto}button{margin:.2rem}#balance{font-size:2rem;font-weight:600}</style></head>
<body><h1>Demo site: wallet</h1>
<form id="signin"><label>Email <input name="email" value="${DEMO_USER.email}"></label>
<label>Password <input name="password" type="password" value="${DEMO_USER.password}"></label> <button>Sign in</button></form>
<section id="wallet" hidden>
<p>Balance: <span id="balance">…</span> <button id="refresh">Refresh</button></p>
<p><button data-amount="500">Top up $5.00</button> <button data-price="${DEMO_STRIPE.prices.credits.id}">Buy a credit pack ($10)</button>
<button data-price="${DEMO_STRIPE.prices.monthly.id}">Subscribe ($9 a month)</button> <button id="portal">Manage cards</button>
<button id="spend">Spend $1.00 (the site's server charges)</button> <button id="signout">Sign out</button></p>
<p id="status" role="status"></p>
<h2>Ledger</h2><pre id="ledger"></pre><h2>Payments, cards, subscription</h2><pre id="billing"></pre>
</section>
<script type="module" src="/dev/billing.js"></script></body></html>`;

const SCRIPT = `
const KEY = ${JSON.stringify(DEMO.apiKey)};
const $ = (id) => document.getElementById(id);
const token = () => sessionStorage.getItem('demo_token');
const api = (path, init = {}) => fetch(path, { ...init, headers: { 'content-type': 'application/json', 'x-api-key': KEY, ...(token() ? { authorization: 'Bearer ' + token() } : {}), ...init.headers } })
  .then(async (r) => ({ status: r.status, body: await r.json().catch(() => ({})) }));
const post = (path, body) => api(path, { method: 'POST', body: JSON.stringify(body) });
const say = (text) => { $('status').textContent = text; };
async function show() {
  if (!token()) { $('signin').hidden = false; $('wallet').hidden = true; return; }
  const [billing, ledger] = await Promise.all([api('/billing'), api('/billing/ledger')]);
  if (billing.status === 401) { sessionStorage.removeItem('demo_token'); return show(); }
  $('signin').hidden = true; $('wallet').hidden = false;
  const b = billing.body.balance;
  $('balance').textContent = (b.amount / 100).toFixed(2) + ' ' + b.currency.toUpperCase();
  $('ledger').textContent = (ledger.body.entries || []).map((e) => e.at + '  ' + e.kind.padEnd(12) + String(e.amount).padStart(7) + '  → ' + e.balance_after + '  ' + (e.ref || '')).join('\\n') || 'No entries yet: top up.';
  $('billing').textContent = JSON.stringify({ payments: billing.body.payments, payment_methods: billing.body.payment_methods, subscription: billing.body.subscription }, null, 2);
}
$('signin').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const answer = await post('/auth/login', { email: form.get('email'), password: form.get('password') });
  if (!answer.body.token) { say('Not signed in: ' + (answer.body.detail || answer.status)); return; }
  sessionStorage.setItem('demo_token', answer.body.token);
  show();
});
const here = location.origin + location.pathname;
for (const button of document.querySelectorAll('[data-amount],[data-price]')) {
  button.addEventListener('click', async () => {
    const body = button.dataset.amount ? { amount: Number(button.dataset.amount) } : { price_id: button.dataset.price };
    const answer = await post('/billing/checkout', { ...body, success_url: here + '?paid={CHECKOUT_SESSION_ID}', cancel_url: here });
    if (answer.body.url) location.assign(answer.body.url); else say('Checkout refused: ' + (answer.body.detail || answer.status));
  });
}
$('portal').addEventListener('click', async () => {
  const answer = await post('/billing/portal', { return_url: here });
  if (answer.body.url) location.assign(answer.body.url); else say('Portal refused: ' + (answer.body.detail || answer.status));
});
$('spend').addEventListener('click', async () => {
  // The user's id is the token's sub; a real site's server knows its users already.
  const sub = JSON.parse(atob(token().split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub;
  const answer = await post('/billing/charge', { user_id: sub, amount: 100, description: 'Demo purchase', idempotency_key: 'demo-' + crypto.randomUUID() });
  say(answer.status === 200 ? 'Charged $1.00.' : 'Refused: ' + (answer.body.code || answer.status));
  show();
});
$('refresh').addEventListener('click', show);
$('signout').addEventListener('click', () => { sessionStorage.removeItem('demo_token'); show(); });
if (new URLSearchParams(location.search).get('paid')) say('Paid: the balance moved when the signed webhook arrived.');
show();
`;

export const devBillingRoutes = new Hono()
  .get('/dev/billing', (c) => {
    c.header('Content-Security-Policy', CSP);
    c.header('Referrer-Policy', 'no-referrer');
    return c.html(PAGE);
  })
  .get('/dev/billing.js', (c) => c.body(SCRIPT, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
