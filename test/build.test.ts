import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltFunction, buildFunctions } from '../src/dev/build';
import { functionsOf, loadTemplate } from '../src/dev/template';
import { loadEvent } from './support/lambda';

describe('npm run build', () => {
  const outRoot = mkdtempSync(resolve(tmpdir(), 'lambdalith-build-'));
  let built: BuiltFunction[];

  beforeAll(async () => {
    built = await buildFunctions(outRoot);
  }, 60_000);
  afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

  it('bundles every function of template.yaml as ESM with the createRequire banner', () => {
    expect(built.map((f) => f.id).sort()).toEqual(
      functionsOf(loadTemplate())
        .map(([id]) => id)
        .sort(),
    );
    for (const f of built) {
      expect(f.file).toMatch(/\.mjs$/);
      expect(f.bytes).toBeGreaterThan(1000);
      expect(readFileSync(f.file, 'utf8').startsWith("import { createRequire } from 'module';")).toBe(true);
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
});
