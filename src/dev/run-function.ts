// `make dev` runs each event-driven function of template.yaml in a process of its own, as Lambda would: with that
// function's Environment only, its handler fed by its local event sources. Usage: tsx src/dev/run-function.ts <Id>
import { startEventSources } from './event-sources';

const functionId = process.argv[2];
if (!functionId) throw new Error('usage: run-function.ts <LogicalId>');

const sources = await startEventSources(functionId);
console.log(`[${functionId}] ${sources.names.join(', ')}`);
// The event sources' pollers unref their timers (tests run them inside vitest); here they are the whole point.
const keepAlive = setInterval(() => undefined, 60_000);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(keepAlive);
    void sources.stop().then(() => process.exit(0));
  });
}
