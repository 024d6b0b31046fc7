// Cold-start child: import a bundle, answer one event, report ms since process start on stderr.
import { readFileSync } from 'node:fs';

const [bundle, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const { handler } = await import(bundle);
const result = await handler(event, {});
if (result.statusCode !== 200) throw new Error(`unexpected status ${result.statusCode}`);
process.stderr.write(`\nBENCH_RESULT=${performance.now()}\n`);
