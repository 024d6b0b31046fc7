// A line chart of a numeric field over time, as server-side SVG: no script, nothing for the console's CSP to
// allow, and every label escaped (S45). Each page of a job is its own line.
import { escapeHtml } from '../core/html';
import type { RunRecord } from './store';

export type Series = { label: string; points: { at: number; value: number }[] };

const W = 640;
const H = 220;
const PAD = { left: 56, right: 16, top: 16, bottom: 36 };
const COLOURS = ['#2563eb', '#db2777', '#059669', '#d97706', '#7c3aed'];

/** The numeric value of a field in a run (numbers, and prices by amount). */
function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  const amount = (value as { amount?: unknown } | null)?.amount;
  return typeof amount === 'number' && Number.isFinite(amount) ? amount : undefined;
}

/** One series per page for each numeric field that has at least one value in these runs. */
export function numericSeries(runs: RunRecord[]): Map<string, Series[]> {
  const byField = new Map<string, Map<string, Series>>();
  for (const run of [...runs].reverse()) {
    const at = Date.parse(run.finishedAt);
    for (const page of run.pages) {
      for (const [field, value] of Object.entries(page.fields)) {
        const v = numberOf(value);
        if (v === undefined) continue;
        const lines = byField.get(field) ?? new Map<string, Series>();
        byField.set(field, lines);
        const series = lines.get(page.url) ?? { label: page.url, points: [] };
        lines.set(page.url, series);
        series.points.push({ at, value: v });
      }
    }
  }
  return new Map([...byField].map(([field, lines]) => [field, [...lines.values()]]));
}

const short = (n: number) =>
  Math.abs(n) >= 1000 ? n.toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(+n.toFixed(2));

export function lineChartSvg(title: string, series: Series[]): string {
  const points = series.flatMap((s) => s.points);
  if (points.length === 0) return '';
  const [minT, maxT] = [Math.min(...points.map((p) => p.at)), Math.max(...points.map((p) => p.at))];
  let [minV, maxV] = [Math.min(...points.map((p) => p.value)), Math.max(...points.map((p) => p.value))];
  if (minV === maxV) [minV, maxV] = [minV - 1, maxV + 1];
  const x = (t: number) =>
    PAD.left + (maxT === minT ? 0.5 : (t - minT) / (maxT - minT)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - minV) / (maxV - minV)) * (H - PAD.top - PAD.bottom);
  const ticks = [minV, (minV + maxV) / 2, maxV];
  const time = (t: number) => new Date(t).toISOString().slice(5, 16).replace('T', ' ');
  const lines = series.map((s, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    const path = s.points
      .map((p, j) => `${j ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`)
      .join(' ');
    const dots = s.points
      .map(
        (p) =>
          `<circle cx="${x(p.at).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="${colour}"><title>${escapeHtml(`${time(p.at)}: ${short(p.value)}`)}</title></circle>`,
      )
      .join('');
    return `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>${dots}`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}" class="chart">`,
    `<title>${escapeHtml(title)}</title>`,
    ...ticks.map(
      (v) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/><text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#4b5563">${escapeHtml(short(v))}</text>`,
    ),
    `<text x="${PAD.left}" y="${H - 10}" font-size="11" fill="#4b5563">${escapeHtml(time(minT))}</text>`,
    `<text x="${W - PAD.right}" y="${H - 10}" text-anchor="end" font-size="11" fill="#4b5563">${escapeHtml(time(maxT))}</text>`,
    ...lines,
    '</svg>',
  ].join('');
}
