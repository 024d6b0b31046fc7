// Swagger UI's script and stylesheet, served by the app itself from the swagger-ui-dist package: /docs works with
// no internet and under a CSP of 'self' only. Read from disk on first use and kept, so no other route pays for them.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files /docs uses, by the name it asks for. */
export const SWAGGER_FILES = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
} as const;
export type SwaggerFile = keyof typeof SWAGGER_FILES;

export const isSwaggerFile = (name: string): name is SwaggerFile => Object.hasOwn(SWAGGER_FILES, name);

/** The build copies the files next to the bundle (assets/swagger-ui); from source they are in node_modules. */
function directory(): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), 'assets', 'swagger-ui');
  if (existsSync(beside)) return beside;
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

const loaded = new Map<SwaggerFile, Promise<Buffer>>();

export function swaggerFile(name: SwaggerFile): Promise<Buffer> {
  let file = loaded.get(name);
  if (!file) {
    file = readFile(join(directory(), name));
    file.catch(() => loaded.delete(name));
    loaded.set(name, file);
  }
  return file;
}
