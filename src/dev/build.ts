// `npm run build`: bundles every function of template.yaml with the esbuild options SAM uses, and reports sizes.

import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { sourcePath } from '../assets/files';
import { ASSETS } from '../assets/manifest';
import { functionsOf, handlerOf, loadTemplate, type Resource } from './template';

const root = resolve(import.meta.dirname, '../..');

type SamBuildProperties = {
  Format?: 'esm' | 'cjs';
  Platform?: 'node';
  Target?: string;
  Minify?: boolean;
  Sourcemap?: boolean;
  OutExtension?: string[];
  Banner?: string[];
  External?: string[];
  MainFields?: string;
  EntryPoints?: string[];
};

/** Translates a function's SAM esbuild metadata into esbuild options (SAM always bundles). */
export function esbuildOptionsFor(resource: Resource, outdir: string, entryOverride?: string): BuildOptions {
  const p = (resource.Metadata?.BuildProperties ?? {}) as SamBuildProperties;
  const pairs = (list: string[] = []) =>
    Object.fromEntries(
      list.map((item) => [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)]),
    );
  return {
    absWorkingDir: root,
    entryPoints: entryOverride ? [entryOverride] : (p.EntryPoints ?? []),
    bundle: true,
    outdir,
    platform: p.Platform ?? 'node',
    format: p.Format ?? 'cjs',
    target: p.Target ?? 'es2020',
    minify: p.Minify ?? false,
    sourcemap: p.Sourcemap ?? false,
    outExtension: pairs(p.OutExtension),
    banner: pairs(p.Banner),
    external: p.External ?? [],
    mainFields: p.MainFields?.split(','),
    metafile: true,
    logLevel: 'warning',
  };
}

/** Files the HTTP function serves under /assets (see assets/manifest.ts), copied next to its bundle. */
function copyAssets(entry: string | undefined, outdir: string): void {
  if (entry !== 'handlers/http.ts') return;
  for (const [name, { source }] of Object.entries(ASSETS)) {
    const to = resolve(outdir, 'assets', name);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(sourcePath(source, root), to);
  }
}

export type BuiltFunction = { id: string; file: string; bytes: number; exportName: string };

export async function buildFunctions(outRoot = resolve(root, 'dist')): Promise<BuiltFunction[]> {
  const template = loadTemplate();
  const built: BuiltFunction[] = [];
  for (const [id, resource] of functionsOf(template)) {
    const { outBase, exportName } = handlerOf(resource);
    const outdir = resolve(outRoot, id);
    mkdirSync(outdir, { recursive: true });
    const options = esbuildOptionsFor(resource, outdir);
    const result = await build(options);
    writeFileSync(resolve(outdir, 'meta.json'), JSON.stringify(result.metafile));
    copyAssets(handlerOf(resource).entry, outdir);
    const file = resolve(outdir, `${outBase}${options.outExtension?.['.js'] ?? '.js'}`);
    built.push({ id, file, bytes: statSync(file).size, exportName });
  }
  return built;
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildFunctions();
  for (const f of built)
    console.log(`${f.id.padEnd(24)} ${kib(f.bytes).padStart(12)}  ${f.file.replace(`${root}/`, '')}`);
}
