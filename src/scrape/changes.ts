// What changed between two runs: each extracted field old -> new, and the page text's lines added and removed
// (after ignore rules). An empty diff is no change, whatever the raw HTML did, so it never notifies.
import { isDeepStrictEqual } from 'node:util';
import type { FieldValue, PageValues } from './job';

export type FieldChange = { url: string; field: string; old: FieldValue; new: FieldValue };
export type TextChange = { url: string; added: string[]; removed: string[] };
export type RunChanges = { fields: FieldChange[]; text: TextChange[] };

const SHOWN_LINES = 10;

export function compareRuns(before: PageValues[], after: PageValues[]): RunChanges {
  const fields: FieldChange[] = [];
  const text: TextChange[] = [];
  for (const page of after) {
    const previous = before.find((p) => p.url === page.url);
    if (!previous) continue;
    for (const [field, value] of Object.entries(page.fields)) {
      const old = previous.fields[field] ?? null;
      if (!isDeepStrictEqual(old, value)) fields.push({ url: page.url, field, old, new: value });
    }
    if (previous.textHash !== page.textHash) {
      const was = new Set(previous.text.split('\n'));
      const now = new Set(page.text.split('\n'));
      const added = [...now].filter((line) => !was.has(line));
      const removed = [...was].filter((line) => !now.has(line));
      // Reordered lines only, or a change beyond the kept text: still a change, shown as such.
      text.push({
        url: page.url,
        added: added.slice(0, SHOWN_LINES),
        removed: removed.slice(0, SHOWN_LINES),
      });
    }
  }
  return { fields, text };
}

export const hasChanges = (changes: RunChanges) => changes.fields.length > 0 || changes.text.length > 0;

export function showValue(value: FieldValue): string {
  if (value === null) return '(none)';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return `${value.amount} ${value.currency}`.trim();
  return String(value);
}

/** The changes as plain text lines, for email and the console. */
export function describeChanges(changes: RunChanges, multiplePages: boolean): string[] {
  const where = (url: string) => (multiplePages ? ` (${url})` : '');
  return [
    ...changes.fields.map((c) => `${c.field}${where(c.url)}: ${showValue(c.old)} → ${showValue(c.new)}`),
    ...changes.text.flatMap((t) => [
      `Page text changed${where(t.url)}:`,
      ...t.removed.map((line) => `  - ${line}`),
      ...t.added.map((line) => `  + ${line}`),
    ]),
  ];
}
