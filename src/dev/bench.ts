// `npm run bench`: cold start of the built HTTP bundle vs a minimal Hono bundle, warm /health, and scrypt cost.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword } from '../core/passwords';
import { esbuildOptionsFor, kib } from './build';
import { functionsOf, handlerOf, loadTemplate } from './template';

const root = resolve(import.meta.dirname, '../..');
const support = resolve(import.meta.dirname, 'bench-support');
const event = resolve(root, 'events/function-url-get-health.json');
const firstEvent = resolve(support, 'first-event.mjs');
const COLD_RUNS = 15;
const WARM_REQUESTS = 5000;

// Enough configuration for the app to start; /health touches neither DynamoDB nor a secret.
const env = {
  ...process.env,
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  API_KEY_PEPPER: 'bench-pepper-bench-pepper-bench-pepper-0123',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** Runs `node <args>` and returns the BENCH_RESULT number it reports on stderr. */
function child(args: string[]): number {
  const run = spawnSync(process.execPath, args, {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (run.status !== 0) throw new Error(`node ${args[0]} failed:\n${run.stderr}`);
  const result = /BENCH_RESULT=([\d.]+)/.exec(run.stderr);
  if (!result) throw new Error(`node ${args[0]} printed no result:\n${run.stderr}`);
  return Number(result[1]);
}

async function bundle(outdir: string, entry?: string): Promise<string> {
  const [, http] = functionsOf(loadTemplate()).find(([id]) => id === 'HttpFunction') ?? [];
  if (!http) throw new Error('no HttpFunction in template.yaml');
  const options = esbuildOptionsFor(http, outdir, entry);
  await build({ ...options, metafile: false });
  const base = entry ? 'hello-handler' : handlerOf(http).outBase;
  return resolve(outdir, `${base}${options.outExtension?.['.js'] ?? '.js'}`);
}

async function main() {
  const out = mkdtempSync(resolve(tmpdir(), 'lambdalith-bench-'));
  try {
    const app = await bundle(resolve(out, 'app'));
    const hello = await bundle(resolve(out, 'hello'), 'src/dev/bench-support/hello-handler.ts');
    const appUrl = pathToFileURL(app).href;
    const helloUrl = pathToFileURL(hello).href;

    const appCold: number[] = [];
    const helloCold: number[] = [];
    const bareNode: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      bareNode.push(child(['-e', "process.stderr.write('BENCH_RESULT=' + performance.now())"]));
      appCold.push(child([firstEvent, appUrl, event]));
      helloCold.push(child([firstEvent, helloUrl, event]));
    }
    const warm = child([resolve(support, 'warm-requests.mjs'), appUrl, event, String(WARM_REQUESTS)]);

    const hashTimes: number[] = [];
    const verifyTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      const hash = await hashPassword('correct horse battery staple', DEFAULT_SCRYPT);
      hashTimes.push(performance.now() - t);
      t = performance.now();
      await verifyPassword('correct horse battery staple', hash);
      verifyTimes.push(performance.now() - t);
    }
    const { logN, r, p } = DEFAULT_SCRYPT;

    const a = median(appCold);
    const h = median(helloCold);
    console.log(`lambdalith bench (node ${process.version}, ${COLD_RUNS} cold runs each, medians)`);
    console.log(`  bundle size        app ${kib(statSync(app).size)}   hello ${kib(statSync(hello).size)}`);
    console.log(
      `  start -> 1st event app ${a.toFixed(1)} ms   hello ${h.toFixed(1)} ms   ratio ${(a / h).toFixed(2)}x   (bare node: ${median(bareNode).toFixed(1)} ms)`,
    );
    console.log(
      `  warm GET /health   ${warm.toFixed(1)} µs/request through the Lambda handler (${WARM_REQUESTS} requests)`,
    );
    console.log(
      `  scrypt             N=2^${logN} r=${r} p=${p} (${(128 * 2 ** logN * r) / 2 ** 20} MiB): hash ${median(hashTimes).toFixed(0)} ms, verify ${median(verifyTimes).toFixed(0)} ms`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

await main();
