// The local server (make dev's @hono/node-server, and the browser tests'): oversized bodies get a clean 413 even
// when the client is still sending, and the Swagger UI at /docs needs nothing from the internet.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveApp } from './support/browser';

let server: Awaited<ReturnType<typeof serveApp>>;
beforeAll(async () => {
  server = await serveApp();
});
afterAll(() => server.close());

describe('S5: 413 from the local server', () => {
  it('twenty 1 MB posts to /auth/password-reset each get the JSON 413, never a dropped socket', async () => {
    const body = JSON.stringify({ email: `${'x'.repeat(1024 * 1024)}@example.com` });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${server.base}/auth/password-reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'll_whatever_key_value' },
        body,
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        detail: 'Request body exceeds 98304 bytes',
        code: 'payload_too_large',
      });
    }
  });

  it('a chunked upload past the limit gets the 413 too', async () => {
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
        controller.close();
      },
    });
    const res = await fetch(`${server.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
  });
});

describe('/docs offline', () => {
  it('serves Swagger UI from this origin only: the page, its script and stylesheet, under a self-only CSP', async () => {
    const page = await fetch(`${server.base}/docs`);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    expect(html).not.toMatch(/https?:\/\//);
    for (const [path, type] of [
      ['/assets/swagger-ui/swagger-ui-bundle.js', 'text/javascript'],
      ['/assets/swagger-ui/swagger-ui.css', 'text/css'],
    ]) {
      const res = await fetch(`${server.base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    }
    expect((await fetch(`${server.base}/assets/swagger-ui/package.json`)).status).toBe(404);
    expect((await fetch(`${server.base}/assets/..%2fpackage.json`)).status).toBe(404);
  });
});

describe('make test on a machine without Chromium', () => {
  const script = resolve(import.meta.dirname, '../src/dev/ensure-chromium.sh');
  const fakeBin = (files: Record<string, string>) => {
    const dir = mkdtempSync(resolve(tmpdir(), 'fakebin-'));
    for (const [name, text] of Object.entries(files))
      writeFileSync(resolve(dir, name), text, { mode: 0o755 });
    return dir;
  };

  it('stops at once with one line saying what to install when it cannot install it', () => {
    const bin = fakeBin({ id: '#!/bin/sh\necho 1000\n' });
    const run = spawnSync('sh', [script], {
      env: { PATH: `${bin}:/usr/bin:/bin`, CHROMIUM_PATH: '/nonexistent/chromium' },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      "make test needs Chromium for its browser tests: run 'apt-get install -y chromium' as root (or set CHROMIUM_PATH)",
    ]);
  });

  it('as root with apt, installs it (apt-get is faked here) and goes on', () => {
    const target = resolve(mkdtempSync(resolve(tmpdir(), 'chromium-')), 'chromium');
    const bin = fakeBin({
      id: '#!/bin/sh\necho 0\n',
      'apt-get': `#!/bin/sh\ncase "$*" in *install*) printf '#!/bin/sh\\n' > '${target}'; chmod +x '${target}';; esac\n`,
    });
    const run = spawnSync('sh', [script], {
      env: { PATH: `${bin}:/usr/bin:/bin`, CHROMIUM_PATH: target },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
  });

  it('make test runs the check before vitest', () => {
    const dry = spawnSync('make', ['-n', 'test'], {
      cwd: resolve(import.meta.dirname, '..'),
      encoding: 'utf8',
    });
    const lines = dry.stdout.split('\n');
    const check = lines.findIndex((l) => l.includes('ensure-chromium.sh'));
    const vitest = lines.findIndex((l) => l.includes('vitest run'));
    expect(check).toBeGreaterThanOrEqual(0);
    expect(check).toBeLessThan(vitest);
  });
});
