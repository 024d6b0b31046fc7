// Features meet only through each other's public face (index.ts): a feature's other files are its own business.
// Shared code (core, middleware, lambda) never reaches into a feature at all.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '../src');
const SHARED = new Set(['core', 'middleware', 'lambda']);
/** Tooling that runs the whole platform locally may use anything. */
const TOOLING = new Set(['dev']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = resolve(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const topOf = (path: string) => relative(src, path).split('/')[0] as string;

function crossings(): string[] {
  const problems: string[] = [];
  for (const file of filesUnder(src)) {
    const from = topOf(file);
    if (TOOLING.has(from) || !relative(src, file).includes('/')) continue;
    const text = readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:from|import\(?)\s*'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), spec as string);
      const to = topOf(target);
      // The app's own root modules (app-env, features, http-config) and shared folders are open to all.
      if (to === from || SHARED.has(to) || !relative(src, target).includes('/')) continue;
      if (SHARED.has(from)) {
        problems.push(`${relative(src, file)} (shared) imports feature code ${spec}`);
        continue;
      }
      const inside = relative(resolve(src, to), target);
      if (inside !== '' && inside !== 'index')
        problems.push(`${relative(src, file)} imports ${spec}, not ${to}'s index`);
    }
  }
  return problems;
}

describe('feature boundaries', () => {
  it('no feature imports another feature except through its index.ts, and shared code imports no feature', () => {
    expect(crossings()).toEqual([]);
  });
});
