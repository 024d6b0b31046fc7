// Login-latency child: through the built handler, registers a few users, then signs each in and reports the
// median login time. The bench runs it with a throttled CPU to stand in for Lambda's memory-sized CPU share.
const [bundle, apiKey, countArg] = process.argv.slice(2);
const count = Number(countArg);
const { handler } = await import(bundle);
const base = JSON.parse(process.env.BENCH_EVENT);
const post = (path, body) => {
  const event = structuredClone(base);
  event.rawPath = path;
  event.requestContext.http.path = path;
  event.requestContext.http.method = 'POST';
  event.headers = { ...event.headers, 'content-type': 'application/json', 'x-api-key': apiKey };
  event.body = JSON.stringify(body);
  return handler(event, {});
};
const password = 'a long enough bench passphrase';
const emails = Array.from({ length: count }, (_, i) => `latency-${process.pid}-${i}@example.com`);
for (const email of emails) {
  const res = await post('/auth/register', { email, password });
  if (res.statusCode !== 201) throw new Error(`register: ${res.statusCode} ${res.body}`);
}
const times = [];
for (const email of emails) {
  const started = performance.now();
  const res = await post('/auth/login', { email, password });
  times.push(performance.now() - started);
  if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${res.body}`);
}
times.sort((a, b) => a - b);
process.stderr.write(`\nBENCH_RESULT=${times[Math.floor(times.length / 2)]}\n`);
