// A local stand-in for Twilio's Messages API (POST /2010-04-01/Accounts/{sid}/Messages.json), so the real twilio
// SDK can be driven end to end. GET /_messages lists what it accepted. Twilio's magic test numbers apply:
// +15005550001 is invalid (400, code 21211); +15005559999 makes it answer 503 (a retryable outage).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export type FakeTwilioMessage = {
  accountSid: string;
  to: string;
  from?: string;
  serviceSid?: string;
  body: string;
};

export const FAKE_TWILIO = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'fake-twilio-auth-token',
  from: '+15005550006',
};

export async function startFakeTwilio(): Promise<{ url: string; server: Server }> {
  const accepted: FakeTwilioMessage[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && req.url === '/_messages') return json(200, accepted);
      const match = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\.json$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match)
        return json(404, { code: 20404, message: 'Not found', status: 404 });
      const expectedAuth = `Basic ${Buffer.from(`${FAKE_TWILIO.accountSid}:${FAKE_TWILIO.authToken}`).toString('base64')}`;
      if (req.headers.authorization !== expectedAuth || match[1] !== FAKE_TWILIO.accountSid) {
        return json(401, { code: 20003, message: 'Authenticate', status: 401 });
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const to = form.get('To') ?? '';
      const body = form.get('Body') ?? '';
      if (to === '+15005559999')
        return json(503, { code: 20500, message: 'Service unavailable', status: 503 });
      if (!/^\+[1-9]\d{7,14}$/.test(to) || to === '+15005550001') {
        return json(400, {
          code: 21211,
          message: `The 'To' number ${to} is not a valid phone number.`,
          status: 400,
        });
      }
      const message = {
        accountSid: match[1],
        to,
        from: form.get('From') ?? undefined,
        serviceSid: form.get('MessagingServiceSid') ?? undefined,
        body,
      };
      accepted.push(message);
      return json(201, {
        sid: `SM${randomBytes(16).toString('hex')}`,
        account_sid: message.accountSid,
        to,
        from: message.from,
        body,
        status: 'queued',
        num_segments: '1',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        date_created: new Date().toUTCString(),
        uri: `/2010-04-01/Accounts/${message.accountSid}/Messages/x.json`,
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  server.unref();
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}

/** What the fake behind TWILIO_API_URL has accepted so far. */
export async function twilioMessages(): Promise<FakeTwilioMessage[]> {
  const res = await fetch(`${process.env.TWILIO_API_URL}/_messages`);
  return (await res.json()) as FakeTwilioMessage[];
}
