// Keeps docs/security.md's test lists true: under each requirement, every test whose title names its id.
//   npm run docs:security           rewrites the lists
//   securityDocProblems()           what test/security-doc.test.ts checks (lists current, every cited id described)
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(import.meta.dirname, '../..');
export const securityDocPath = resolve(root, 'docs/security.md');
const ID = /\bS([1-9]\d?)\b/g;

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = resolve(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : filesUnder(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

/** Test titles (it/test/describe) that name a requirement, by id. */
export function testsById(): Map<string, string[]> {
  const byId = new Map<string, string[]>();
  for (const file of filesUnder(resolve(root, 'test'), '.test.ts')) {
    const text = readFileSync(file, 'utf8');
    for (const [, , title = ''] of text.matchAll(/\b(?:it|test|describe)\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)) {
      for (const [id] of title.matchAll(ID)) {
        const entry = `\`${relative(root, file)}\`: ${title.replaceAll('\\', '')}`;
        byId.set(id, [...new Set([...(byId.get(id) ?? []), entry])]);
      }
    }
  }
  return byId;
}

/** Every requirement id cited anywhere in src/ or test/. */
export function citedIds(): Set<string> {
  const ids = new Set<string>();
  for (const file of [
    ...filesUnder(resolve(root, 'src'), '.ts'),
    ...filesUnder(resolve(root, 'test'), '.ts'),
  ]) {
    for (const [id] of readFileSync(file, 'utf8').matchAll(ID)) ids.add(id);
  }
  return ids;
}

const listStart = (id: string) => `<!-- tests ${id} -->`;
const LIST_END = '<!-- /tests -->';

/** The document with each requirement's test list regenerated. */
export function withTestLists(doc: string): string {
  const tests = testsById();
  return doc.replace(/<!-- tests (S\d+) -->[\s\S]*?<!-- \/tests -->/g, (_, id: string) => {
    const list = tests.get(id) ?? [];
    const body = list.length
      ? list.map((t) => `- ${t}`).join('\n')
      : '- none yet: the feature it guards is not built';
    return `${listStart(id)}\n${body}\n${LIST_END}`;
  });
}

export function securityDocProblems(): string[] {
  const doc = readFileSync(securityDocPath, 'utf8');
  const problems: string[] = [];
  for (const id of citedIds()) {
    if (!doc.includes(`## ${id} `))
      problems.push(`${id} is cited in the code but not described in docs/security.md`);
    else if (!doc.includes(listStart(id))) problems.push(`${id} has no test list in docs/security.md`);
  }
  if (withTestLists(doc) !== doc)
    problems.push('docs/security.md test lists are stale: npm run docs:security');
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(securityDocPath, withTestLists(readFileSync(securityDocPath, 'utf8')));
  console.log(`updated ${relative(root, securityDocPath)}`);
}
