// `make dev`: local AWS services, tables and secrets from template.yaml, the demo tenant, and the app with reload.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { randomToken } from '../core/crypto';
import { writeBrowserScripts } from './browser-scripts';
import { devEnvironment } from './dev-environment';
import { writeEmbeds } from './embed-templates';
import { eventDrivenFunctions } from './event-sources';
import { startLocalPlatform } from './local-platform';
import { createLogShipper, type LogShipper } from './log-shipper';
import { generateSecretValues } from './provision';
import { stopProcess } from './services';
import { loadTemplate } from './template';

const root = resolve(import.meta.dirname, '../..');
const tsx = resolve(root, 'node_modules/tsx/dist/cli.mjs');
const dataDir = resolve(root, process.env.LAMBDALITH_DATA_DIR ?? '.data');
const ports = {
  http: Number(process.env.PORT ?? 3000),
  dynamodb: Number(process.env.DYNAMODB_PORT ?? 8000),
  moto: Number(process.env.MOTO_PORT ?? 4566),
  // The local Stripe's API (the dev server runs it); 12111 is where stripe-mock listens too.
  stripe: Number(process.env.STRIPE_PORT ?? 12111),
};

/** Local secret values survive restarts, so API key hashes stored in .data keep matching the pepper. */
function localSecretValues(): Record<string, string> {
  const file = resolve(dataDir, 'local-secrets.json');
  const wanted = generateSecretValues(loadTemplate());
  const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
  const values = { ...wanted, ...kept };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(values, null, 2), { mode: 0o600 });
  return values;
}

async function main() {
  const platform = await startLocalPlatform({
    ports,
    dataDir: resolve(dataDir, 'dynamodb'),
    secretValues: localSecretValues(),
  });
  const children: ChildProcess[] = [];
  const shippers: LogShipper[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\n[dev] stopping...');
    await Promise.all(children.map((child) => stopProcess(child)));
    await Promise.all(shippers.map((s) => s.stop().catch(() => undefined)));
    await platform.stop();
    console.log('[dev] stopped: app, DynamoDB Local and moto_server');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGHUP', () => void shutdown(0));

  // This orchestrator seeds every table; each function below gets only its own variables.
  Object.assign(process.env, platform.env);
  // Each function's log group, by logical id (HttpFunction's LOG_GROUPS, as the Logs page reads them).
  const groups = new Map(
    (platform.functionEnv.HttpFunction?.LOG_GROUPS ?? '')
      .split(',')
      .map((pair) => pair.split('=') as [string, string]),
  );
  const logGroupOf = (id: string) => groups.get(id);
  const {
    seedDemoTenant,
    seedDemoSecrets,
    seedDemoScrapeJob,
    seedDemoPublishing,
    seedDemoSignInMethods,
    seedDemoBilling,
    DEMO,
    DEMO_USER,
  } = await import('./seed');
  await seedDemoTenant(`http://localhost:${ports.http}`);
  const admin = await localConsoleAdmin();

  const twilioConfigured = Boolean(process.env.TWILIO_ACCOUNT_SID);
  // The demo user is made through the HTTP function's own code, so with its environment.
  // (Unset values stay unset: process.env would turn undefined into the string "undefined".)
  for (const [name, value] of Object.entries(
    devEnvironment(platform.functionEnv.HttpFunction ?? {}, { twilioConfigured, ports }),
  )) {
    if (value !== undefined) process.env[name] = value;
  }
  const demoSecrets = await seedDemoSecrets();
  const demoScrape = await seedDemoScrapeJob(`http://localhost:${ports.http}`);
  await seedDemoPublishing();
  await seedDemoSignInMethods();
  await seedDemoBilling();
  watchTemplates();
  const run = (id: string, script: string, ...args: string[]) => {
    const child = spawn(
      process.execPath,
      [tsx, 'watch', '--clear-screen=false', resolve(root, script), ...args],
      {
        cwd: root,
        env: {
          ...devEnvironment(platform.functionEnv[id] ?? {}, { twilioConfigured, ports }),
          PORT: String(ports.http),
          // Where the dev server keeps the local Stripe's state.
          LAMBDALITH_DATA_DIR: dataDir,
          // Lambda names the function on every log line (AWS_LAMBDA_FUNCTION_NAME); locally, its logical id.
          LAMBDALITH_FUNCTION: id,
        },
        stdio: ['inherit', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    // As Lambda does: the terminal sees every line, and so does the function's log group (the console's Logs page).
    const group = logGroupOf(id);
    const shipper = group ? createLogShipper(group) : undefined;
    if (shipper) shippers.push(shipper);
    for (const [from, to] of [
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ] as const) {
      from?.on('data', (chunk: Buffer) => {
        to.write(chunk);
        shipper?.write(chunk.toString('utf8'));
      });
    }
    child.once('exit', (code, signal) => {
      if (stopping) return;
      // Ctrl-C reaches the whole process group, so a child may die of it before our own handler runs.
      const interrupted = signal !== null || code === 0 || code === 130;
      if (!interrupted) console.error(`[dev] ${id} exited (${code}); stopping everything`);
      void shutdown(interrupted ? 0 : 1);
    });
  };
  run('HttpFunction', 'src/dev/serve.ts');
  const workers = eventDrivenFunctions();
  for (const id of workers) run(id, 'src/dev/run-function.ts', id);

  const url = `http://localhost:${ports.http}`;
  console.log(`
  lambdalith local platform
  ─────────────────────────
  App            ${url}            (reloads on source change)
  Functions      HttpFunction, ${workers.join(', ')}: each in its own process with its own environment
  Health         ${url}/health   ${url}/health/ready
  Mail           ${url}/dev/mail   (every email sent locally; links clickable)
  Logs           ${url}/admin/logs   (every function's lines, shipped to moto's CloudWatch Logs)
  API docs       ${url}/docs   (OpenAPI: ${url}/openapi.json)
  JWKS           ${url}/.well-known/jwks.json
  Console        ${url}/admin   ${admin.email} / ${admin.password}
                 (first sign-in sets up an authenticator app: platform admins must use one)
  SMS codes      ${twilioConfigured ? `sent through Twilio from ${process.env.TWILIO_FROM}` : 'printed in this terminal as "[sms] to ...": no TWILIO_ACCOUNT_SID set'}
  Demo tenant    ${DEMO.clientId} / ${DEMO.siteId}   x-api-key: ${DEMO.apiKey} (every scope)
                 origins: ${DEMO.allowedOrigins.join(', ')}
  Sign-in page   ${url}/login?site=${encodeURIComponent(`${DEMO.clientId}#${DEMO.siteId}`)}&redirect_uri=${encodeURIComponent(`${url}/dev/signed-in`)}
                 password, links, and Continue with Google / GitHub against local stand-ins (/dev/google, /dev/github)
  Secrets        ${demoSecrets ? `send: ${url}/s/${demoSecrets.inbox}   read: ${url}/secrets?site=${encodeURIComponent(`${DEMO.clientId}#${DEMO.siteId}`)}` : 'demo user unavailable (its password was changed)'}
                 as ${DEMO_USER.email} / ${DEMO_USER.password}; the reaper runs every 5 minutes
  Scrape demo    ${demoScrape ? `${url}/admin/scrape/jobs/${demoScrape.id}` : 'not seeded'}   watches ${url}/dev/fixtures/shop every minute;
                 changes are emailed to ${DEMO_USER.email} (see /dev/mail)
  Publishing     ${url}/admin/publish (upload form), or: aws --endpoint-url http://127.0.0.1:${ports.moto} s3 cp README.md s3://${platform.functionEnv.MarkdownPublisherFunction?.PUBLISH_BUCKET}/${DEMO.clientId}/${DEMO.siteId}/README.md
                 commits land in the local fake GitHub: ${url}/dev/github
  Billing        ${url}/dev/billing   sign in as the demo user, top up, pay on the local Stripe, see the balance
                 events and deliveries: ${url}/dev/stripe   console: Users, then a user's Billing (refunds)
                 reconcile now: npm run invoke -- BillingReconcileFunction events/schedule.json (daily at 03:15 UTC otherwise)
  Security       ${url}/admin/security   alerts judged every minute (try 6 wrong passwords on the demo site, or a lockdown),
                 emailed to the console admin (see /dev/mail); preferences at ${url}/admin/account/alerts
  DynamoDB Local http://127.0.0.1:${ports.dynamodb}  (data in ${dataDir}/dynamodb${platform.createdTables.length ? `; created ${platform.createdTables.length} tables` : ''})
  moto_server    http://127.0.0.1:${ports.moto}  (SQS, SES, S3, Secrets Manager, CloudWatch Logs; in memory)
  Local secrets  ${dataDir}/local-secrets.json
  Ctrl-C stops everything.  Wipe local data: make clean-data
`);
}

/** The local platform admin, created once and kept (with its password) under .data. */
async function localConsoleAdmin(): Promise<{ email: string; password: string }> {
  const file = resolve(dataDir, 'local-admin.json');
  const saved = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { email: string; password: string })
    : undefined;
  const admin = saved ?? { email: 'admin@example.com', password: randomToken(18) };
  const { BootstrapError, createPlatformAdmin } = await import('../admin/bootstrap');
  try {
    await createPlatformAdmin(admin);
  } catch (error) {
    if (!(error instanceof BootstrapError)) throw error;
  }
  writeFileSync(file, JSON.stringify(admin, null, 2), { mode: 0o600 });
  return admin;
}

/**
 * Re-embeds templates/ and rebuilds the hosted pages' scripts on change, so the reloading server serves edited
 * emails, pages and scripts at once.
 */
function watchTemplates() {
  let timer: NodeJS.Timeout | undefined;
  const rebuild = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const written = [...writeEmbeds(), ...(await writeBrowserScripts())];
      if (written.length) console.log(`[dev] rebuilt ${written.join(', ')}`);
    }, 100);
  };
  watch(resolve(root, 'templates'), { recursive: true }, rebuild).unref();
  watch(resolve(root, 'src/secrets'), { recursive: true }, (_, file) => {
    if (file && (file.startsWith('browser') || file === 'envelope.ts')) rebuild();
  }).unref();
  watch(resolve(root, 'src/auth/hosted-login/browser'), rebuild).unref();
  watch(resolve(root, 'src/admin/browser'), rebuild).unref();
}

main().catch((error: Error) => {
  console.error(`[dev] ${error.message}`);
  process.exit(1);
});
