// /dev/fixtures/shop: a page for make dev's demo scrape job to watch. Its prices move every minute and it prints
// the time it was made (a line the demo job ignores), so within two minutes of `make dev` there are runs, a change
// notice in /dev/mail and a chart. Local only, like /dev/mail (S50).
import { Hono } from 'hono';

const PRODUCTS = [
  { name: 'Espresso machine', base: 249, step: 7 },
  { name: 'Burr grinder', base: 119, step: 3 },
];

export const devFixtureRoutes = new Hono().get('/dev/fixtures/shop', (c) => {
  const minute = Math.floor(Date.now() / 60_000);
  const rows = PRODUCTS.map((p, i) => {
    const price = p.base + ((minute * p.step + i * 5) % 20) - 10 + 0.99;
    const stock = 3 + ((minute + i) % 6);
    return `<li class="product"><h2>${p.name}</h2><p class="price">€${price.toFixed(2).replace('.', ',')}</p><p class="stock">${stock} in stock</p></li>`;
  }).join('');
  return c.html(
    `<!doctype html><html><head><title>Demo shop</title></head><body><h1>Demo shop</h1><ul>${rows}</ul><p class="generated">Page generated at ${new Date().toISOString()}</p></body></html>`,
  );
});
