// Builds the functions of template.yaml exactly as `sam build` does: SAM runs `make build-<LogicalId>` (BuildMethod:
// makefile), which runs this with --function and SAM's ARTIFACTS_DIR. esbuild's options live in the template's
// Metadata.BuildProperties, in SAM's esbuild vocabulary, plus code splitting, which SAM's own esbuild builder lacks:
// a route's code (and a dependency only some routes use) is then read from disk only when a request needs it.
//   npm run build                                    every function into dist/<LogicalId>/, with sizes
//   tsx src/dev/build.ts --function Id --out DIR     one function, as SAM packages it
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { sourcePath } from '../assets/files';
import { ASSETS } from '../assets/manifest';
import { functionsOf, handlerOf, loadTemplate, type Resource } from './template';

const root = resolve(import.meta.dirname, '../..');

type BuildProperties = {
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
  Splitting?: boolean;
  ChunkNames?: string;
};

/** A function's esbuild options, from its template metadata. */
export function esbuildOptionsFor(resource: Resource, outdir: string, entryOverride?: string): BuildOptions {
  const p = (resource.Metadata?.BuildProperties ?? {}) as BuildProperties;
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
    splitting: p.Splitting ?? false,
    chunkNames: p.ChunkNames,
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

export type BuiltFunction = {
  id: string;
  /** The entry module Lambda loads. */
  file: string;
  /** The entry's size, and everything the function's artifact holds (chunks and assets included). */
  bytes: number;
  totalBytes: number;
  exportName: string;
  metafile: Metafile;
};

const sizeOf = (path: string): number =>
  statSync(path).isDirectory()
    ? readdirSync(path).reduce((sum, name) => sum + sizeOf(resolve(path, name)), 0)
    : statSync(path).size;

/** Builds one function into `outdir` (emptied first), as it is deployed. */
export async function buildFunction(id: string, resource: Resource, outdir: string): Promise<BuiltFunction> {
  const { outBase, exportName, entry } = handlerOf(resource);
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const options = esbuildOptionsFor(resource, outdir);
  const { metafile } = await build(options);
  copyAssets(entry, outdir);
  const file = resolve(outdir, `${outBase}${options.outExtension?.['.js'] ?? '.js'}`);
  return {
    id,
    file,
    bytes: statSync(file).size,
    totalBytes: sizeOf(outdir),
    exportName,
    metafile: metafile as Metafile,
  };
}

/** Every function of the template, each into `outRoot/<LogicalId>`, with its metafile beside it (not deployed). */
export async function buildFunctions(outRoot = resolve(root, 'dist')): Promise<BuiltFunction[]> {
  const built: BuiltFunction[] = [];
  for (const [id, resource] of functionsOf(loadTemplate())) {
    const fn = await buildFunction(id, resource, resolve(outRoot, id));
    writeFileSync(resolve(outRoot, `${id}.meta.json`), JSON.stringify(fn.metafile));
    built.push(fn);
  }
  return built;
}

export const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { function: { type: 'string' }, out: { type: 'string' } } });
  if (values.function) {
    const resource = functionsOf(loadTemplate()).find(([id]) => id === values.function)?.[1];
    if (!resource || !values.out) throw new Error(`usage: build.ts --function <LogicalId> --out <dir>`);
    await buildFunction(values.function, resource, resolve(values.out));
  } else {
    const built = await buildFunctions();
    console.log(`${'function'.padEnd(24)} ${'entry'.padStart(12)} ${'artifact'.padStart(12)}`);
    for (const f of built) {
      console.log(
        `${f.id.padEnd(24)} ${kib(f.bytes).padStart(12)} ${kib(f.totalBytes).padStart(12)}  ${f.file.replace(`${root}/`, '')}`,
      );
    }
  }
}
