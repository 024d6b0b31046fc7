import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASSETS } from '../src/assets/manifest';
import { type BuiltFunction, buildFunctions } from '../src/dev/build';
import { functionsOf, loadTemplate } from '../src/dev/template';
import { loadEvent } from './support/lambda';

const root = resolve(import.meta.dirname, '..');

describe('npm run build', () => {
  const outRoot = mkdtempSync(resolve(tmpdir(), 'lambdalith-build-'));
  let built: BuiltFunction[];

  beforeAll(async () => {
    built = await buildFunctions(outRoot);
  }, 60_000);
  afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

  it('bundles every function of template.yaml as ESM with the createRequire banner, in every chunk', () => {
    expect(built.map((f) => f.id).sort()).toEqual(
      functionsOf(loadTemplate())
        .map(([id]) => id)
        .sort(),
    );
    for (const f of built) {
      expect(f.file).toMatch(/\.mjs$/);
      expect(f.bytes).toBeGreaterThan(1000);
      for (const output of Object.keys(f.metafile.outputs)) {
        expect(
          readFileSync(resolve(root, output), 'utf8').startsWith("import { createRequire } from 'module';"),
        ).toBe(true);
      }
    }
  });

  it('the built HTTP bundle answers a Function URL event on its own', async () => {
    const http = built.find((f) => f.id === 'HttpFunction') as BuiltFunction;
    const mod = await import(pathToFileURL(http.file).href);
    const health = await mod[http.exportName](loadEvent('function-url-get-health.json'), {});
    expect(health.statusCode).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    // And reaches DynamoDB Local through the bundled SDK.
    const ready = loadEvent('function-url-get-health.json');
    ready.rawPath = '/health/ready';
    ready.requestContext.http.path = '/health/ready';
    const readyResult = await mod[http.exportName](ready, {});
    expect(JSON.parse(readyResult.body)).toEqual({ status: 'ready' });
  });

  it('the HTTP artifact holds its static files and serves them from there, as deployed', async () => {
    const http = built.find((f) => f.id === 'HttpFunction') as BuiltFunction;
    const artifact = dirname(http.file);
    const topLevel = new Set(Object.keys(ASSETS).map((name) => name.split('/')[0]));
    expect(readdirSync(resolve(artifact, 'assets')).sort()).toEqual([...topLevel].sort());
    expect(topLevel).toContain('swagger-ui');
    const mod = await import(pathToFileURL(http.file).href);
    const css = loadEvent('function-url-get-health.json');
    css.rawPath = '/assets/admin.css';
    css.requestContext.http.path = '/assets/admin.css';
    const res = await mod[http.exportName](css, {});
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/css/);
  });

  it('splits the HTTP function: a cold /health reads the entry and shared chunks only, never a feature or zod', () => {
    const http = built.find((f) => f.id === 'HttpFunction') as BuiltFunction;
    const outputs = http.metafile.outputs;
    const entry = Object.keys(outputs).find((o) => o.endsWith('/http.mjs')) as string;
    const loaded = new Set<string>();
    const visit = (output: string) => {
      if (loaded.has(output)) return;
      loaded.add(output);
      for (const i of outputs[output]?.imports ?? [])
        if (i.kind === 'import-statement' && !i.external) visit(i.path);
    };
    visit(entry);
    const inputs = [...loaded].flatMap((o) => Object.keys(outputs[o]?.inputs ?? {}));
    expect(
      inputs.filter((i) =>
        /node_modules\/(zod|nunjucks|qrcode|otplib|cheerio|robots-parser|undici|@hpke|markdown-it|yaml|stripe|@aws-sdk\/client-cloudwatch-logs)\//.test(
          i,
        ),
      ),
    ).toEqual([]);
    // The error tracker's sender loads only when there is an error to send; the logs reader, on the Logs page.
    expect(inputs.filter((i) => /src\/(core\/sentry-envelope|logs\/query)\.ts$/.test(i))).toEqual([]);
    // A feature's config slice is checked at init; nothing else of it loads before a request reaches it.
    const featureCode = inputs.filter((i) =>
      /^src\/(auth|admin|users|email|pages|secrets|scrape|publish|docs\/openapi)\//.test(i),
    );
    expect(featureCode.filter((i) => !i.endsWith('/config.ts'))).toEqual([]);
    expect(Object.keys(outputs).length).toBeGreaterThan(10);
    // A first sign-in reads the auth routes and what they import statically: never the 93 KiB list of common
    // passwords, which only setting a password loads.
    const authRoutes = Object.keys(outputs).find((o) => 'src/auth/routes.ts' in (outputs[o]?.inputs ?? {}));
    visit(authRoutes as string);
    const signIn = [...loaded].flatMap((o) => Object.keys(outputs[o]?.inputs ?? {}));
    expect(signIn).toContain('src/auth/login.ts');
    expect(signIn).not.toContain('src/auth/common-passwords.ts');
    // Nor the providers' code: sign-in with Google or GitHub is a feature of its own.
    expect(signIn.filter((i) => /src\/auth\/oauth\/(?!config)|@simplewebauthn/.test(i))).toEqual([]);
  });

  it('loads cheerio and robots-parser only in the scrape worker; the HTTP function has no HTTP client or S3 client', () => {
    const inputsOf = (id: string) =>
      Object.values((built.find((f) => f.id === id) as BuiltFunction).metafile.outputs).flatMap((o) =>
        Object.keys(o.inputs),
      );
    const parsers = (id: string) =>
      inputsOf(id).filter((i) => /node_modules\/(cheerio|robots-parser)\//.test(i));
    expect(parsers('HttpFunction')).toEqual([]);
    expect(parsers('ScraperFunction')).toEqual([]);
    expect(parsers('ScrapeWorkerFunction').length).toBeGreaterThan(0);
    // Octokit: the publisher only. (The renderer also serves the console's preview, off the cold path: above.)
    const octokit = (id: string) => inputsOf(id).filter((i) => /node_modules\/@octokit\//.test(i));
    expect(octokit('HttpFunction')).toEqual([]);
    expect(octokit('MarkdownPublisherFunction').length).toBeGreaterThan(0);
    // Metrics (EMF) in the workers; the HTTP function's come from metric filters on its access lines.
    const metrics = (id: string) =>
      inputsOf(id).filter((i) => /node_modules\/@aws-lambda-powertools\/metrics\//.test(i));
    expect(metrics('HttpFunction')).toEqual([]);
    expect(metrics('StatsAggregatorFunction').length).toBeGreaterThan(0);
    expect(metrics('EmailWorkerFunction').length).toBeGreaterThan(0);
    // Job URLs are checked without undici; snapshot links are signed without the S3 client (its XML protocol
    // would land in the chunks every cold start reads).
    expect(
      inputsOf('HttpFunction').filter((i) => /node_modules\/(undici|@aws-sdk\/client-s3)\//.test(i)),
    ).toEqual([]);
  });

  it('S50: no built function contains the local-only routes or fakes, and a deployed app answers /dev/* with 404', async () => {
    for (const f of built) {
      for (const output of Object.keys(f.metafile.outputs)) {
        const code = readFileSync(resolve(root, output), 'utf8');
        expect(code, output).not.toMatch(
          /\/dev\/(mail|fixtures|github|google|signed-in|stripe|billing)|fake-twilio|fake-github|createFakeGitHub|fake-stripe|createFakeStripe|devBillingRoutes|devMailRoutes|devFixtureRoutes|createLocalOidc|oidc-provider|Local Google|Local Stripe/,
        );
      }
    }
    const http = built.find((f) => f.id === 'HttpFunction') as BuiltFunction;
    const mod = await import(pathToFileURL(http.file).href);
    for (const path of ['/dev/mail', '/dev/fixtures/shop', '/dev/stripe', '/dev/billing']) {
      const event = loadEvent('function-url-get-health.json');
      event.rawPath = path;
      event.requestContext.http.path = path;
      expect((await mod[http.exportName](event, {})).statusCode, path).toBe(404);
    }
  });
});
