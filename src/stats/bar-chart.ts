// A small bar chart of one counter over the dashboard's buckets (hours or days), as server-side SVG: no script,
// nothing for the console's CSP to allow, every label escaped.
import { escapeHtml } from '../core/html';

export type Bucket = { label: string; value: number };

const W = 240;
const H = 64;
const BOTTOM = 4;

export function barChartSvg(title: string, buckets: Bucket[], colour = '#2563eb'): string {
  const max = Math.max(1, ...buckets.map((b) => b.value));
  const step = W / Math.max(1, buckets.length);
  const bars = buckets.map((b, i) => {
    const height = b.value ? Math.max(1.5, (b.value / max) * (H - BOTTOM - 2)) : 0;
    const x = (i * step + 1).toFixed(1);
    const y = (H - BOTTOM - height).toFixed(1);
    return `<rect x="${x}" y="${y}" width="${Math.max(1, step - 2).toFixed(1)}" height="${height.toFixed(1)}" fill="${colour}"><title>${escapeHtml(`${b.label}: ${b.value}`)}</title></rect>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}" class="bars">`,
    `<title>${escapeHtml(title)}</title>`,
    `<line x1="0" x2="${W}" y1="${H - BOTTOM + 0.5}" y2="${H - BOTTOM + 0.5}" stroke="#d1d5db"/>`,
    ...bars,
    '</svg>',
  ].join('');
}
