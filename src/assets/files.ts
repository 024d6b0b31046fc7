// Reads an asset from the function's artifact (what the build copied), or from the repository when run from
// source; read once, then kept in memory.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ASSETS, type AssetName, type AssetSource } from './manifest';

const here = dirname(fileURLToPath(import.meta.url));
// In a built artifact the files sit beside the entry module; this code may be in a chunk one folder down.
const built = [join(here, 'assets'), join(here, '..', 'assets')].find((dir) =>
  existsSync(join(dir, 'admin.css')),
);

/** Where a source file is in the repository (node_modules for packages). */
export function sourcePath(source: AssetSource, root = resolve(here, '../..')): string {
  if ('package' in source) {
    return join(
      dirname(createRequire(join(root, 'package.json')).resolve(`${source.package}/package.json`)),
      source.file,
    );
  }
  return join(root, source.file);
}

const loaded = new Map<AssetName, Promise<Buffer>>();

export function assetFile(name: AssetName): Promise<Buffer> {
  let file = loaded.get(name);
  if (!file) {
    file = readFile(built ? join(built, name) : sourcePath(ASSETS[name].source));
    file.catch(() => loaded.delete(name));
    loaded.set(name, file);
  }
  return file;
}
