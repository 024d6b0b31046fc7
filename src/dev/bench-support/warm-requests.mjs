// Warm-path child: answer the same event many times through the handler, report microseconds per request on stderr.
import { readFileSync } from 'node:fs';

const [bundle, eventFile, countArg] = process.argv.slice(2);
const count = Number(countArg);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const { handler } = await import(bundle);
for (let i = 0; i < 300; i++) await handler(event, {});
const started = performance.now();
for (let i = 0; i < count; i++) await handler(event, {});
process.stderr.write(`\nBENCH_RESULT=${((performance.now() - started) * 1000) / count}\n`);
