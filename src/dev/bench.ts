// `npm run bench`: the figures issue 11 asks for, in one run, against anchors built with the app's own esbuild
// options: cold start, warm /health and /user/me, login against one hash, DynamoDB calls per request, peak RSS,
// the workers' cold starts, and login latency at Lambda's CPU share for 512, 1024 and 1769 MB.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { DEFAULT_SCRYPT, hashPassword, verifyPassword } from '../core/passwords';
import { functionUrlEvent } from './bench-support/events';
import { type BuiltFunction, buildFunctions, esbuildOptionsFor, kib } from './build';
import { startLocalPlatform } from './local-platform';
import { generateSecretValues } from './provision';
import { freePort } from './services';
import { functionsOf, loadTemplate } from './template';

const support = resolve(import.meta.dirname, 'bench-support');
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const WARM_REQUESTS = 5000;
const WARM_DB_REQUESTS = 1000;
const LOGINS = 9;
/** Lambda's CPU share by memory: one full vCPU at 1,769 MB, proportionally less below (AWS docs). */
const MEMORY_SIZES = [512, 1024, 1769];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

type ChildResult = { result: number; bytes?: number; rss?: number };

function parse(stderr: string, what: string): ChildResult {
  const get = (name: string) => {
    const m = new RegExp(`${name}=([\\d.]+)`).exec(stderr);
    return m ? Number(m[1]) : undefined;
  };
  const result = get('BENCH_RESULT');
  if (result === undefined) throw new Error(`${what} printed no result:\n${stderr}`);
  return { result, bytes: get('BENCH_BYTES'), rss: get('BENCH_RSS') };
}

/** BENCH_PROFILE=<dir>: every child also writes a CPU profile there (summarise with npm run profile -- <dir>). */
const profileArgs = process.env.BENCH_PROFILE
  ? ['--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${resolve(process.env.BENCH_PROFILE)}`]
  : [];

let profiles = 0;
const profileName = (label: string) =>
  profileArgs.length ? [`--cpu-prof-name=${label}-${++profiles}.cpuprofile`] : [];

/** Runs `node <args>` with `env` and returns what it reports; `label` names its CPU profile. */
function child(args: string[], env: NodeJS.ProcessEnv, label = 'child'): ChildResult {
  const run = spawnSync(process.execPath, [...profileArgs, ...profileName(label), ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${run.stderr}`);
  return parse(run.stderr, args[0] as string);
}

/** Like child(), with the CPU it may use cut to `share` by stopping and continuing it every few milliseconds. */
function throttledChild(args: string[], env: NodeJS.ProcessEnv, share: number): Promise<ChildResult> {
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const period = 20;
    let running = true;
    let timer: NodeJS.Timeout | undefined;
    const cycle = () => {
      if (share >= 1 || proc.exitCode !== null) return;
      running = !running;
      proc.kill(running ? 'SIGCONT' : 'SIGSTOP');
      timer = setTimeout(cycle, running ? period * share : period * (1 - share));
    };
    timer = setTimeout(cycle, period * share);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) fail(new Error(`node ${args[0]} failed (${code}):\n${stderr}`));
      else done(parse(stderr, args[0] as string));
    });
  });
}

async function anchors(outRoot: string) {
  const [, http] = functionsOf(loadTemplate()).find(([id]) => id === 'HttpFunction') ?? [];
  if (!http) throw new Error('no HttpFunction in template.yaml');
  const bundle = async (name: string) => {
    const outdir = resolve(outRoot, name);
    await build({ ...esbuildOptionsFor(http, outdir, `src/dev/bench-support/${name}.ts`), metafile: false });
    return resolve(outdir, `${name}.mjs`);
  };
  return { bare: await bundle('hello-handler'), anchor: await bundle('anchor-handler') };
}

/**
 * Counts DynamoDB calls, rounds of them (calls in flight together count once), and the time spent waiting on them,
 * made by this process.
 */
async function dynamoCounter() {
  const { documentClient } = await import('../core/db/client');
  let calls = 0;
  let rounds = 0;
  let inFlight = 0;
  let waiting = 0;
  let busySince = 0;
  documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      calls++;
      if (inFlight++ === 0) {
        rounds++;
        busySince = performance.now();
      }
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        if (--inFlight === 0) waiting += performance.now() - busySince;
        if (process.env.BENCH_TRACE) {
          console.log(
            `  [round ${rounds}] ${context.commandName} at ${(started - t0).toFixed(1)} ms took ${(performance.now() - started).toFixed(1)} ms`,
          );
        }
      }
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  let t0 = 0;
  return async (run: () => Promise<unknown>) => {
    [calls, rounds, waiting] = [0, 0, 0];
    t0 = performance.now();
    await run();
    return { calls, rounds, waiting };
  };
}

async function main() {
  const out = mkdtempSync(resolve(tmpdir(), 'lambdalith-bench-'));
  const template = loadTemplate();
  const secretValues = generateSecretValues(template);
  const platform = await startLocalPlatform({
    ports: { dynamodb: await freePort(), moto: await freePort() },
    secretValues,
  });
  try {
    Object.assign(process.env, platform.env, {
      POWERTOOLS_LOG_LEVEL: 'WARN',
      PUBLIC_BASE_URL: 'http://localhost:3000',
    });
    const built = await buildFunctions(resolve(out, 'functions'));
    const fn = (id: string) => built.find((f) => f.id === id) as BuiltFunction;
    const { bare, anchor } = await anchors(resolve(out, 'anchors'));
    const url = (file: string) => pathToFileURL(file).href;
    const envOf = (id: string) => ({
      ...process.env,
      ...platform.functionEnv[id],
      POWERTOOLS_LOG_LEVEL: 'WARN',
    });
    const httpEnv = envOf('HttpFunction');
    const anchorEnv = {
      ...httpEnv,
      JWT_SECRET: secretValues.JwtSecret,
      USERS_TABLE: platform.env.USERS_TABLE,
    };
    const eventFile = (name: string, event: unknown) => {
      const file = resolve(out, `${name}.json`);
      writeFileSync(file, JSON.stringify(event));
      return file;
    };

    // A site and a signed-in user, through the app itself (in this process, where DynamoDB calls are counted).
    const { seedDemoTenant, DEMO } = await import('./seed');
    await seedDemoTenant();
    const count = await dynamoCounter();
    const { createApp } = await import('../app');
    const app = createApp();
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const res = await app.request(path, {
        method,
        headers: { 'content-type': 'application/json', 'x-api-key': DEMO.apiKey, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, string> };
    };
    const password = 'a long enough bench passphrase';
    const users = Array.from({ length: LOGINS }, (_, i) => `bench-${Date.now()}-${i}@example.com`);
    for (const email of users) await call('POST', '/auth/register', { email, password });

    // Login against one hash: alternated, in this process, with production scrypt parameters.
    const loginTimes: number[] = [];
    const verifyTimes: number[] = [];
    const hash = await hashPassword(password, DEFAULT_SCRYPT);
    let token = '';
    let refresh = '';
    const loginCounts: { calls: number; rounds: number; waiting: number }[] = [];
    for (const email of users) {
      let t = performance.now();
      await verifyPassword(password, hash);
      verifyTimes.push(performance.now() - t);
      t = performance.now();
      loginCounts.push(
        await count(async () => {
          const res = await call('POST', '/auth/login', { email, password });
          if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
          token = res.body.token as string;
          refresh = res.body.refresh_token as string;
        }),
      );
      loginTimes.push(performance.now() - t);
    }
    const bearer = { authorization: `Bearer ${token}` };
    await call('GET', '/user/me', undefined, bearer);
    const meCount = await count(() => call('GET', '/user/me', undefined, bearer));
    const refreshCount = await count(async () => {
      const res = await call('POST', '/auth/token/refresh', { refresh_token: refresh });
      if (res.status !== 200) throw new Error(`refresh: ${res.status} ${JSON.stringify(res.body)}`);
    });

    // Opening a secret message through the app (one scrypt unwrap, one HPKE open, one atomic spend), and the
    // crypto alone. The seed's flow pays the unwrap on every open, so it should cost about one login hash.
    const { generateKeyPair, openEnvelope, sealText, fromBase64Url } = await import('../secrets/envelope');
    const { wrapWithPassword, unwrapWithPassword } = await import('../core/key-wrap');
    const keys = await call('POST', '/secrets/keys', { password }, bearer);
    if (keys.status !== 201) throw new Error(`secret keys: ${keys.status} ${JSON.stringify(keys.body)}`);
    const inboxKey = fromBase64Url(keys.body.public_key as string);
    const openTimes: number[] = [];
    const openCounts: { calls: number; rounds: number; waiting: number }[] = [];
    for (let i = 0; i < LOGINS; i++) {
      const envelope = await sealText(inboxKey, `bench message ${i}`);
      const sent = await call('POST', `/secrets/inbox/${keys.body.inbox}/messages`, { envelope });
      const t = performance.now();
      openCounts.push(
        await count(async () => {
          const res = await call('POST', `/secrets/messages/${sent.body.id}/open`, { password }, bearer);
          if (res.status !== 200) throw new Error(`open: ${res.status} ${JSON.stringify(res.body)}`);
        }),
      );
      openTimes.push(performance.now() - t);
    }
    const pair = await generateKeyPair();
    const wrapped = await wrapWithPassword(pair.privateKey, password, pair.publicKey);
    const sealed = await sealText(pair.publicKey, 'bench message');
    const cryptoTimes: number[] = [];
    for (let i = 0; i < LOGINS; i++) {
      const t = performance.now();
      await openEnvelope(await unwrapWithPassword(wrapped, password, pair.publicKey), sealed);
      cryptoTimes.push(performance.now() - t);
    }

    // Cold starts, alternated so drift in the machine's load hits all alike.
    const health = eventFile('health', functionUrlEvent({ path: '/health' }));
    // A first request that signs in (a wrong password, so each run has the full cost and no lockout builds up).
    const login = (i: number) =>
      eventFile(
        `login-${i}`,
        functionUrlEvent({
          method: 'POST',
          path: '/auth/login',
          headers: { 'x-api-key': DEMO.apiKey },
          body: { email: `cold-${i}-${users[0]}`, password: 'not the password' },
        }),
      );
    const sqsEmpty = eventFile('sqs-empty', { Records: [] });
    const schedule = eventFile('schedule', {});
    const first = resolve(support, 'first-event.mjs');
    const cold: Record<string, ChildResult[]> = {
      app: [],
      anchor: [],
      bare: [],
      appLogin: [],
      email: [],
      sms: [],
      reaper: [],
      node: [],
    };
    for (let i = 0; i < COLD_RUNS; i++) {
      cold.node?.push(child(['-e', "process.stderr.write('BENCH_RESULT=' + performance.now())"], httpEnv));
      cold.app?.push(child([first, url(fn('HttpFunction').file), health], httpEnv, 'cold-app'));
      cold.anchor?.push(child([first, url(anchor), health], anchorEnv, 'cold-anchor'));
      cold.bare?.push(child([first, url(bare), health], httpEnv));
      cold.appLogin?.push(
        child([first, url(fn('HttpFunction').file), login(i), '401'], httpEnv, 'cold-login'),
      );
      cold.email?.push(
        child([first, url(fn('EmailWorkerFunction').file), sqsEmpty], envOf('EmailWorkerFunction')),
      );
      cold.sms?.push(child([first, url(fn('SmsWorkerFunction').file), sqsEmpty], envOf('SmsWorkerFunction')));
      cold.reaper?.push(
        child([first, url(fn('SecretReaperFunction').file), schedule], envOf('SecretReaperFunction')),
      );
    }
    const coldMs = (k: string) => median((cold[k] ?? []).map((r) => r.result));
    const bytesOf = (k: string) => cold[k]?.[0]?.bytes ?? 0;

    // Warm paths through the handler.
    const warm = resolve(support, 'warm-requests.mjs');
    const me = eventFile(
      'me',
      functionUrlEvent({ path: '/user/me', headers: { ...bearer, 'x-api-key': DEMO.apiKey } }),
    );
    const warmHealthApp = child(
      [warm, url(fn('HttpFunction').file), health, String(WARM_REQUESTS)],
      httpEnv,
      'warm-health-app',
    );
    const warmHealthBare = child(
      [warm, url(bare), health, String(WARM_REQUESTS)],
      httpEnv,
      'warm-health-bare',
    );
    const warmMeApp = child(
      [warm, url(fn('HttpFunction').file), me, String(WARM_DB_REQUESTS)],
      httpEnv,
      'warm-me-app',
    );
    const warmMeAnchor = child(
      [warm, url(anchor), me, String(WARM_DB_REQUESTS)],
      anchorEnv,
      'warm-me-anchor',
    );
    const meBatch = eventFile(
      'me-batch',
      functionUrlEvent({ path: '/user/me-batch', headers: { ...bearer, 'x-api-key': DEMO.apiKey } }),
    );
    const warmMeBatch = child(
      [warm, url(anchor), meBatch, String(WARM_DB_REQUESTS)],
      anchorEnv,
      'warm-me-batch',
    );

    // Login latency at each memory size's CPU share.
    const latency: [number, number][] = [];
    for (const memory of MEMORY_SIZES) {
      const share = Math.min(memory / 1769, 1);
      const env = { ...httpEnv, BENCH_EVENT: JSON.stringify(functionUrlEvent({ path: '/' })) };
      const r = await throttledChild(
        [resolve(support, 'login-latency.mjs'), url(fn('HttpFunction').file), DEMO.apiKey, '5'],
        env,
        share,
      );
      latency.push([memory, r.result]);
    }

    const rss = Math.max(...[...(cold.app ?? []), warmMeApp].map((r) => r.rss ?? 0));
    // Medians: a request now and then also re-reads the revocation epoch (every REVOCATION_CHECK_SECONDS).
    const loginRounds = median(loginCounts.map((c) => c.rounds));
    const loginCalls = median(loginCounts.map((c) => c.calls));
    const { logN, r, p } = DEFAULT_SCRYPT;
    const lines = [
      `lambdalith bench: node ${process.version}, ${COLD_RUNS} alternated cold runs each, medians`,
      `  bundles          HTTP entry ${kib(fn('HttpFunction').bytes)} (artifact ${kib(fn('HttpFunction').totalBytes)} in ${Object.keys(fn('HttpFunction').metafile.outputs).length} files)   anchor ${kib(bytesOf('anchor'))}   bare Hono ${kib(bytesOf('bare'))}`,
      `  cold start       app ${ms(coldMs('app'))} vs anchor ${ms(coldMs('anchor'))}: ${ratio(coldMs('app'), coldMs('anchor'))} (target <= 1.15x)   bare Hono ${ms(coldMs('bare'))}, bare node ${ms(coldMs('node'))}`,
      `  JS read at cold  app ${kib(bytesOf('app'))} vs anchor ${kib(bytesOf('anchor'))}   (first request /auth/login: ${ms(coldMs('appLogin'))}, ${kib(bytesOf('appLogin'))})`,
      `  warm /health     app ${warmHealthApp.result.toFixed(1)} µs vs bare Hono ${warmHealthBare.result.toFixed(1)} µs: ${ratio(warmHealthApp.result, warmHealthBare.result)} (target <= 1.5x)`,
      `  warm /user/me    app ${warmMeApp.result.toFixed(0)} µs vs anchor (jwtVerify + GetItem) ${warmMeAnchor.result.toFixed(0)} µs: ${ratio(warmMeApp.result, warmMeAnchor.result)} (target <= 1.3x)`,
      `                   anchor reading our access check's 3-item BatchGetItem instead: ${warmMeBatch.result.toFixed(0)} µs; app against that ${ratio(warmMeApp.result, warmMeBatch.result)}`,
      `  login            ${ms(median(loginTimes))} vs one hash ${ms(median(verifyTimes))}: ${ratio(median(loginTimes), median(verifyTimes))} (target <= 1.1x)   scrypt N=2^${logN} r=${r} p=${p}`,
      `                   of which waiting on DynamoDB Local ${ms(median(loginCounts.map((c) => c.waiting)))}; without that wait ${ratio(median(loginTimes.map((t, i) => t - (loginCounts[i]?.waiting ?? 0))), median(verifyTimes))}`,
      `  DynamoDB calls   /user/me ${meCount.calls} in ${meCount.rounds} round trip(s) (target 1)   login ${loginCalls} in ${loginRounds} (target <= 4)   refresh ${refreshCount.calls} in ${refreshCount.rounds}`,
      `  workers cold     email ${ms(coldMs('email'))} (${kib(bytesOf('email'))})   sms ${ms(coldMs('sms'))} (${kib(bytesOf('sms'))}): ${ratio(coldMs('sms'), coldMs('email'))} (target <= 2x)`,
      `  secret open      ${ms(median(openTimes))} through the app (${median(openCounts.map((c) => c.calls))} DynamoDB calls in ${median(openCounts.map((c) => c.rounds))} rounds)   unwrap + HPKE open alone ${ms(median(cryptoTimes))}   vs one login hash ${ms(median(verifyTimes))}`,
      `  reaper cold      ${ms(coldMs('reaper'))} (${kib(bytesOf('reaper'))}), one 5-minute run over an empty table`,
      `  peak RSS         HTTP function ${(rss / 1024).toFixed(0)} MiB`,
      `  login by memory  ${latency.map(([m, t]) => `${m} MB ${ms(t)}`).join('   ')}   (CPU share memory/1769, emulated by stopping the process)`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await platform.stop();
    rmSync(out, { recursive: true, force: true });
  }
}

await main();
