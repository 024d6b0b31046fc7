// Cold-start child: import a bundle, answer one event, and report on stderr the ms since process start, the bytes
// of JavaScript it loaded from disk (counted by a module load hook), and its peak RSS.
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const [bundle, eventFile, expected = '200'] = process.argv.slice(2);
let bytes = 0;
registerHooks({
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    if (url.startsWith('file:') && !url.endsWith('first-event.mjs'))
      bytes += Buffer.byteLength(result.source ?? '');
    return result;
  },
});
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const { handler } = await import(bundle);
const result = await handler(event, {});
const status = result?.statusCode ?? 200;
if (String(status) !== expected) throw new Error(`unexpected status ${status}: ${result?.body}`);
const ms = performance.now();
process.stderr.write(
  `\nBENCH_RESULT=${ms}\nBENCH_BYTES=${bytes}\nBENCH_RSS=${process.resourceUsage().maxRSS}\n`,
);
