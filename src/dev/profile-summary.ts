// `npm run profile -- <dir> [filter]`: the top self-time entries of the CPU profiles in <dir> (from node --cpu-prof,
// or BENCH_PROFILE=<dir> npm run bench), averaged over the profiles whose file name contains [filter].
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

const [dir = '.', filter = ''] = process.argv.slice(2);
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && f.includes(filter));
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(resolve(dir, file), 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => {
    const frame = (nodes.get(id) as Node).callFrame;
    const where = frame.url.split('/').slice(-2).join('/') || '(native)';
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    byFile.set(where, (byFile.get(where) ?? 0) + us);
    const name = `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  });
}
const top = (map: Map<string, number>, n: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `  ${(v / 1000 / files.length).toFixed(1).padStart(7)} ms  ${k}`)
    .join('\n');
console.log(
  `${files.length} profiles, ${(total / 1000 / files.length).toFixed(1)} ms sampled each (self time)`,
);
console.log(`by file:\n${top(byFile, 12)}\nby function:\n${top(byFunction, 15)}`);
