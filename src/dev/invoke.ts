// `npm run invoke -- <LogicalId> <event.json>`: runs one function of template.yaml with an event, like `sam local invoke`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { localAwsEnv } from './aws';
import { devEnvironment } from './dev-environment';
import { lambdaContext } from './lambda-context';
import { type LocalPlatform, startLocalPlatform } from './local-platform';
import { generateSecretValues, localNames, resolveFunctionEnv } from './provision';
import { functionsOf, handlerOf, loadTemplate } from './template';

const root = resolve(import.meta.dirname, '../..');

async function reachable(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(500) }).then(
    () => true,
    () => false,
  );
}

async function main() {
  const [logicalId, eventFile] = process.argv.slice(2);
  const template = loadTemplate();
  const functions = functionsOf(template);
  const fn = functions.find(([id]) => id === logicalId);
  if (!fn || !eventFile) {
    const ids = functions.map(([id]) => id).join(', ');
    throw new Error(`usage: npm run invoke -- <LogicalId> <event.json>   (functions: ${ids})`);
  }
  const event = JSON.parse(readFileSync(resolve(process.cwd(), eventFile), 'utf8'));

  // Use the running `make dev` services when there are any; otherwise bring up throwaway in-memory ones.
  const ports = {
    dynamodb: Number(process.env.DYNAMODB_PORT ?? 8000),
    moto: Number(process.env.MOTO_PORT ?? 4566),
  };
  let platform: LocalPlatform | undefined;
  if (
    (await reachable(`http://127.0.0.1:${ports.dynamodb}/`)) &&
    (await reachable(`http://127.0.0.1:${ports.moto}/moto-api/`))
  ) {
    // As make dev runs it: its stand-ins (the local Stripe, fake GitHub, ...) in place of the real services.
    const own = resolveFunctionEnv(template, fn[1], localNames(template, process.env));
    const twilioConfigured = Boolean(process.env.TWILIO_ACCOUNT_SID);
    const dev = devEnvironment(own, {
      twilioConfigured,
      ports: { http: Number(process.env.PORT ?? 3000), stripe: Number(process.env.STRIPE_PORT ?? 12111) },
    });
    Object.assign(
      process.env,
      localAwsEnv(ports),
      Object.fromEntries(Object.entries(dev).filter(([, v]) => v)),
    );
  } else {
    console.error('[invoke] no local services running: starting in-memory ones for this invocation');
    platform = await startLocalPlatform({ ports, secretValues: generateSecretValues(template) });
    // Seeding writes every table; the function itself then runs with its own variables only.
    const before = { ...process.env };
    Object.assign(process.env, platform.env);
    const { seedDemoTenant } = await import('./seed');
    await seedDemoTenant();
    process.env = { ...before, ...platform.functionEnv[logicalId as string] };
  }

  try {
    const { entry, exportName } = handlerOf(fn[1]);
    const mod = await import(pathToFileURL(resolve(root, entry)).href);
    const handler = mod[exportName] as (event: unknown, context: unknown) => Promise<unknown>;
    const context = lambdaContext(logicalId as string);
    const started = performance.now();
    const result = await handler(event, context);
    console.error(`[invoke] ${logicalId} finished in ${(performance.now() - started).toFixed(1)} ms`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await platform?.stop();
  }
}

main().catch((error: Error) => {
  console.error(`[invoke] ${error.message}`);
  process.exit(1);
});
