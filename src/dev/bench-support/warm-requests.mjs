// Warm-path child: answer the same event many times through the handler, and report on stderr the microseconds
// per request and the peak RSS.
import { readFileSync } from 'node:fs';

const [bundle, eventFile, countArg] = process.argv.slice(2);
const count = Number(countArg);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const { handler } = await import(bundle);
const check = await handler(event, {});
if (check.statusCode !== 200) throw new Error(`unexpected status ${check.statusCode}: ${check.body}`);
for (let i = 0; i < Math.min(300, count); i++) await handler(event, {});
const started = performance.now();
for (let i = 0; i < count; i++) await handler(event, {});
const perRequest = ((performance.now() - started) * 1000) / count;
process.stderr.write(`\nBENCH_RESULT=${perRequest}\nBENCH_RSS=${process.resourceUsage().maxRSS}\n`);
