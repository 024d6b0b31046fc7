// The hosted pages' scripts: bundled from TypeScript into public/ (served under /assets), committed like the
// embedded templates so every build and every bundle serves the same bytes. `npm run templates` rebuilds them,
// make dev on change, and a test fails when they are stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');

export const BROWSER_SCRIPTS = [
  { entry: 'src/secrets/browser/send-page.ts', out: 'public/secrets-send.js' },
  { entry: 'src/secrets/browser/inbox-page.ts', out: 'public/secrets-inbox.js' },
  { entry: 'src/auth/hosted-login/browser/login-page.ts', out: 'public/login.js' },
  { entry: 'src/admin/browser/console-passkeys.ts', out: 'public/admin-passkeys.js' },
] as const;

export async function browserScriptSource(entry: string): Promise<string> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    banner: { js: `// Generated from ${entry} by npm run templates: do not edit.` },
    logLevel: 'warning',
  });
  return result.outputFiles[0]?.text ?? '';
}

export async function staleBrowserScripts(): Promise<string[]> {
  const stale: string[] = [];
  for (const { entry, out } of BROWSER_SCRIPTS) {
    const current = (() => {
      try {
        return readFileSync(resolve(root, out), 'utf8');
      } catch {
        return '';
      }
    })();
    if (current !== (await browserScriptSource(entry))) stale.push(out);
  }
  return stale;
}

export async function writeBrowserScripts(): Promise<string[]> {
  const written: string[] = [];
  for (const { entry, out } of BROWSER_SCRIPTS) {
    const source = await browserScriptSource(entry);
    const path = resolve(root, out);
    const current = (() => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return '';
      }
    })();
    if (current !== source) {
      writeFileSync(path, source);
      written.push(out);
    }
  }
  return written;
}
