import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { totpAt } from '../src/auth/mfa/totp';
import { dynamodbSdk, s3Sdk } from '../src/dev/aws';
import { freePort } from '../src/dev/services';
import { signInAtProvider } from './support/oauth-providers';

const root = resolve(import.meta.dirname, '..');
const tsx = resolve(root, 'node_modules/tsx/dist/cli.mjs');

/** Processes whose command line mentions this port (the dev platform's java and python children). */
const processesOnPort = (port: number) =>
  spawnSync('pgrep', ['-f', `(-port|-p) ${port}( |$)`], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean);

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolveOutput, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolveOutput(output);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

/** The environment of the (newest) process whose command line contains `command`, from /proc. */
function environOf(command: string): Record<string, string> {
  const pid = spawnSync('pgrep', ['-n', '-f', command], { encoding: 'utf8' }).stdout.trim();
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

async function untilUp(url: string, timeoutMs = 20_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('make dev (npm run dev)', () => {
  const dataDir = mkdtempSync(resolve(tmpdir(), 'lambdalith-dev-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('serves health and readiness, seeds the demo key, delivers reset mail to /dev/mail, prints SMS codes, enrolls the console admin, and Ctrl-C leaves nothing behind', async () => {
    const ports = { http: await freePort(), dynamodb: await freePort(), moto: await freePort() };
    // Keep the run's AWS settings out: dev must set up its own.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !/^(AWS_|TWILIO_|SMS_)/.test(k) && !k.endsWith('_TABLE') && !k.endsWith('_QUEUE_URL'),
      ),
    );
    // tsx's loader in this very process, not its CLI: the CLI relays Ctrl-C to a child and waits only 30 ms for the
    // child to confirm it, which a busy CI machine can miss (the CLI then SIGKILLs it and exits 130).
    const dev = spawn(process.execPath, ['--import', 'tsx', 'src/dev/dev.ts'], {
      cwd: root,
      env: {
        ...env,
        PORT: String(ports.http),
        DYNAMODB_PORT: String(ports.dynamodb),
        MOTO_PORT: String(ports.moto),
        LAMBDALITH_DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the test can do what a terminal's Ctrl-C does: SIGINT the whole group.
      detached: true,
    });
    try {
      const banner = await waitForOutput(dev, /Ctrl-C stops everything/, 45_000);
      expect(banner).toContain('x-api-key: site_a_key_abc123');
      expect(banner).toContain(`http://localhost:${ports.http}`);
      const consoleLine = /Console +\S+\/admin +(\S+@\S+) \/ (\S+)/.exec(banner);
      expect(consoleLine, 'console credentials in the banner').not.toBeNull();

      const base = `http://localhost:${ports.http}`;
      const health = await untilUp(`${base}/health`);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${base}/health/ready`)).json()).toEqual({ status: 'ready' });

      // The demo user's secret-message inbox: its send page and the inbox page answer, and the reaper is running.
      expect(banner).toContain('SecretReaperFunction');
      const send = new RegExp(`send: (${base}/s/[\\w-]{24}) +read: (${base}/secrets\\?site=\\S+)`).exec(
        banner,
      );
      expect(send, 'secret-message links in the banner').not.toBeNull();
      for (const page of [send?.[1], send?.[2]]) {
        const res = await fetch(page as string);
        expect(res.status, page).toBe(200);
        expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      }

      // The demo scrape job watches the dev server's fixture page; a run goes through the queue and the worker
      // (with loopback allowed only here) and its first-run notice lands in /dev/mail.
      const scrapeJob = /Scrape demo +\S+\/admin\/scrape\/jobs\/([\w-]+)/.exec(banner)?.[1];
      expect(scrapeJob, 'the demo scrape job in the banner').toBeDefined();
      const demoKey = { 'content-type': 'application/json', 'x-api-key': 'site_a_key_abc123' };
      const queued = await fetch(`${base}/scrape/jobs/${scrapeJob}/run`, {
        method: 'POST',
        headers: demoKey,
      });
      expect([202, 409]).toContain(queued.status);
      type Runs = { runs: { status: string; pages: { fields: Record<string, unknown> }[] }[] };
      let runs: Runs['runs'] = [];
      for (let i = 0; i < 60 && runs.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const listed = await fetch(`${base}/scrape/jobs/${scrapeJob}/runs`, { headers: demoKey });
        runs = ((await listed.json()) as Runs).runs;
      }
      expect(runs[0]?.status, JSON.stringify(runs[0])).toBe('ok');

      // Publishing: a file put in the bucket (as `aws s3 cp` would) reaches the publisher through moto's S3
      // notification and the local queue poller, and lands as a commit in the local fake GitHub.
      const publishLine = /s3 cp README\.md (s3:\/\/[\w-]+\/ClientCustomerC\/SiteA\/README\.md)/.exec(
        banner,
      )?.[1];
      expect(publishLine, 'the publishing line in the banner').toBeDefined();
      const s3 = new (s3Sdk().S3Client)({
        endpoint: `http://127.0.0.1:${ports.moto}`,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const [bucket, ...key] = (publishLine as string).replace('s3://', '').split('/');
      await s3.send(
        new (s3Sdk().PutObjectCommand)({ Bucket: bucket, Key: key.join('/'), Body: '# Hello from make dev' }),
      );
      s3.destroy();
      let committed = '';
      for (let i = 0; i < 60 && !committed.includes('README.html'); i++) {
        await new Promise((r) => setTimeout(r, 500));
        committed = await (await fetch(`${base}/dev/github`)).text();
      }
      expect(committed).toContain('README.html');
      const page = await (await fetch(`${base}/dev/github/demo/site/main/README.html`)).text();
      expect(page).toContain('Hello from make dev');
      expect(runs[0]?.pages[0]?.fields.espresso_price).toMatchObject({ currency: 'EUR' });

      // "Continue with Google" and "Continue with GitHub" work from the demo site, against the local providers.
      for (const provider of ['google', 'github']) {
        const started = await fetch(`${base}/auth/oauth/${provider}/start`, {
          method: 'POST',
          headers: demoKey,
          body: JSON.stringify({ redirect_uri: `${base}/dev/signed-in` }),
        });
        expect(started.status, provider).toBe(200);
        const { url } = (await started.json()) as { url: string };
        expect(url.startsWith(`${base}/dev/${provider}`)).toBe(true);
        const callback = await signInAtProvider(url, {
          email: `oauth-${provider}@example.com`,
          login: 'octo-dev',
        });
        const back = await fetch(callback, { redirect: 'manual' });
        const code = new URLSearchParams(new URL(back.headers.get('location') as string).hash.slice(1)).get(
          'oauth_code',
        );
        const exchanged = await fetch(`${base}/auth/oauth/exchange`, {
          method: 'POST',
          headers: demoKey,
          body: JSON.stringify({ code }),
        });
        expect(((await exchanged.json()) as { user: { email: string } }).user.email).toBe(
          `oauth-${provider}@example.com`,
        );
      }
      // Where those sign-ins land: the demo site's page, whose script exchanges the code as a site's page would.
      const landing = await fetch(`${base}/dev/signed-in`);
      expect(await landing.text()).toContain('<script type="module" src="/dev/signed-in.js">');
      expect((await fetch(`${base}/dev/signed-in.js`)).status).toBe(200);

      // The demo key is stored hashed with the dev platform's own pepper, in its own DynamoDB.
      const sdk = dynamodbSdk();
      const client = new sdk.DynamoDBClient({
        endpoint: `http://127.0.0.1:${ports.dynamodb}`,
        region: 'us-east-1',
      });
      const { Items = [] } = await client.send(new sdk.ScanCommand({ TableName: 'ApiKeys' }));
      client.destroy();
      expect(Items.map((i) => i.client_id?.S)).toContain('ClientCustomerC');
      expect(JSON.stringify(Items)).not.toContain('site_a_key_abc123');

      // A password reset email reaches /dev/mail through the queue and the worker, and its link completes the reset.
      const email = `dev-${Date.now()}@example.com`;
      const json = { 'content-type': 'application/json', 'x-api-key': 'site_a_key_abc123' };
      const register = await fetch(`${base}/auth/register`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email, password: 'first dev passphrase' }),
      });
      expect(register.status).toBe(201);
      await fetch(`${base}/auth/password-reset`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email }),
      });
      let link: string | undefined;
      for (let i = 0; i < 50 && !link; i++) {
        const mail = await (await fetch(`${base}/dev/mail`)).text();
        // base is http://localhost:<port>: nothing in it is special to a regular expression.
        link = new RegExp(`href="(${base}/reset\\?token=[\\w-]+)"`).exec(mail)?.[1];
        if (!link) await new Promise((r) => setTimeout(r, 200));
      }
      expect(link, 'reset email at /dev/mail').toBeDefined();
      const form = await fetch(link as string);
      const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const hidden = Object.fromEntries(
        [...(await form.text()).matchAll(/name="(csrf_token|token)" value="([^"]*)"/g)].map((m) => [
          m[1],
          m[2],
        ]),
      );
      const done = await fetch(`${base}/reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({
          ...hidden,
          new_password: 'second dev passphrase',
          confirm_password: 'second dev passphrase',
        }),
      });
      expect(await done.text()).toContain('Password changed');
      const login = await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ email, password: 'second dev passphrase' }),
      });
      expect(login.status).toBe(200);

      // Without Twilio credentials, an SMS code goes through the queue and the SMS worker to this terminal.
      expect(banner).toMatch(/SMS codes +printed in this terminal/);
      const printed = waitForOutput(dev, /\[sms\] to \+14155550100: \d{6} is your/, 20_000);
      const smsSetup = await fetch(`${base}/auth/mfa/sms/setup`, {
        method: 'POST',
        headers: { ...json, authorization: `Bearer ${((await login.json()) as { token: string }).token}` },
        body: JSON.stringify({ phone: '+1 415 555 0100' }),
      });
      expect(smsSetup.status).toBe(202);
      await printed;

      // The banner's console credentials sign in: the first time through setting up an authenticator app.
      const loginPage = await fetch(`${base}/admin/login`);
      const csrfCookie = (loginPage.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(await loginPage.text())?.[1] as string;
      const signIn = await fetch(`${base}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
        body: new URLSearchParams({
          csrf_token: csrf,
          email: consoleLine?.[1] as string,
          password: consoleLine?.[2] as string,
        }),
      });
      expect(signIn.status).toBe(200);
      const enrollPage = await signIn.text();
      const hiddenField = (name: string) =>
        new RegExp(`name="${name}" value="([^"]*)"`).exec(enrollPage)?.[1] ?? '';
      const secret = /data-secret="([A-Z2-7]+)"/.exec(enrollPage)?.[1] as string;
      const enrolled = await fetch(`${base}/admin/mfa/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
        body: new URLSearchParams({
          csrf_token: hiddenField('csrf_token'),
          enroll_token: hiddenField('enroll_token'),
          next: '/admin',
          code: await totpAt(secret, Date.now() / 1000),
        }),
      });
      expect(enrolled.status).toBe(200);
      expect(await enrolled.text()).toContain('Two-factor sign-in is on');
      expect(enrolled.headers.getSetCookie().some((c) => c.startsWith('__Host-lambdalith_admin='))).toBe(
        true,
      );

      // Every function's lines reach its own log group in moto, as Lambda ships them; the console's Logs page
      // reads them there, and the dashboard counts what the workers did.
      const session = {
        cookie: enrolled.headers
          .getSetCookie()
          .find((c) => c.startsWith('__Host-lambdalith_admin='))
          ?.split(';')[0] as string,
      };
      const consolePage = async (path: string, wanted: RegExp) => {
        let html = '';
        for (let i = 0; i < 30 && !wanted.test(html); i++) {
          if (i) await new Promise((r) => setTimeout(r, 500));
          html = await (await fetch(`${base}${path}`, { headers: session })).text();
        }
        return html;
      };
      expect(await consolePage('/admin/logs?function=EmailWorkerFunction&range=15m', /email sent/)).toMatch(
        /<td>EmailWorkerFunction<\/td><td>INFO<\/td><td>email sent<\/td>/,
      );
      expect(
        await consolePage('/admin/logs?function=HttpFunction&q=%2Fhealth%2Fready&range=15m', /health\/ready/),
      ).toMatch(/<td>HttpFunction<\/td><td>INFO<\/td><td>request<\/td>/);
      expect(
        await consolePage('/admin', /data-counter="emails_sent"><figcaption>Emails sent <strong>[1-9]/),
      ).toMatch(/data-counter="emails_sent"><figcaption>Emails sent <strong>[1-9]/);

      // Each function runs in its own process, with its own template environment: the email worker has its
      // sender and suppression table but none of the HTTP function's secrets.
      expect(banner).toMatch(
        /Functions +HttpFunction, EmailWorkerFunction, SmsWorkerFunction, OutboxRelayFunction/,
      );
      const workerEnv = environOf('run-function.ts EmailWorkerFunction');
      expect(workerEnv.EMAIL_SUPPRESSIONS_TABLE).toBe('EmailSuppressions');
      expect(workerEnv.MFA_KEY_SECRET_NAME).toBeDefined();
      expect(workerEnv).not.toHaveProperty('JWT_SECRET_NAME');
      expect(workerEnv).not.toHaveProperty('USERS_TABLE');
      const httpEnv = environOf('src/dev/serve.ts');
      expect(httpEnv.JWT_SECRET_NAME).toBeDefined();
      expect(httpEnv).not.toHaveProperty('EMAIL_SUPPRESSIONS_TABLE');

      expect(processesOnPort(ports.dynamodb).length).toBeGreaterThan(0);
      expect(processesOnPort(ports.moto).length).toBeGreaterThan(0);
    } finally {
      const exited = new Promise<number | null>((r) => dev.once('exit', r));
      process.kill(-(dev.pid as number), 'SIGINT');
      expect(await exited).toBe(0);
    }
    expect(processesOnPort(ports.dynamodb)).toEqual([]);
    expect(processesOnPort(ports.moto)).toEqual([]);
    expect(
      await fetch(`http://localhost:${ports.http}/health`).then(
        () => 'up',
        () => 'down',
      ),
    ).toBe('down');
  }, 90_000);
});

describe('npm run invoke', () => {
  it('runs HttpFunction with an event file and prints its result', () => {
    const run = spawnSync(
      process.execPath,
      [tsx, 'src/dev/invoke.ts', 'HttpFunction', 'events/function-url-get-health.json'],
      {
        cwd: root,
        env: process.env,
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.slice(run.stdout.indexOf('{\n')));
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok' });
  });

  it('runs the scheduled SecretReaperFunction with the schedule event', () => {
    const run = spawnSync(
      process.execPath,
      [tsx, 'src/dev/invoke.ts', 'SecretReaperFunction', 'events/schedule.json'],
      {
        cwd: root,
        env: process.env,
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.slice(run.stdout.indexOf('{\n')));
    expect(result).toEqual({
      reaped: expect.any(Number),
      hours: expect.any(Number),
      cursor: expect.any(Number),
    });
  });

  it('names the functions it knows when given an unknown one', () => {
    const run = spawnSync(
      process.execPath,
      [tsx, 'src/dev/invoke.ts', 'Nope', 'events/function-url-get-health.json'],
      {
        cwd: root,
        env: process.env,
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /usage: npm run invoke -- <LogicalId> <event\.json> +\(functions: HttpFunction, LocalHttpApiFunction, EmailWorkerFunction, SmsWorkerFunction, OutboxRelayFunction, SecretReaperFunction, BillingReconcileFunction, ScraperFunction, ScrapeWorkerFunction, AlertsFunction, MarkdownPublisherFunction, StatsAggregatorFunction\)/,
    );
  });
});
