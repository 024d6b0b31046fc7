// S8/S25: budgets are atomic counters (one conditional UpdateItem ADD): parallel calls within a budget all pass,
// and a refused call spends nothing from any budget it would have touched.
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { createUser, newUser } from '../../src/core/db/users';
import { hashPassword } from '../../src/core/passwords';
import { createHttpHandler } from '../../src/lambda/http-handler';
import { bearer, client, withKey } from '../support/http';
import { functionUrlEvent } from '../support/lambda';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { GOOD_PASSWORD, registerAndLogin, uniqueEmail } from '../support/users';

const app = createApp();
const api = client(app);
let sender: TestTenant;

beforeAll(async () => {
  sender = await createTestTenant({ settings: { email: { send_per_hour: 200 } } }, ['auth', 'email:send']);
});

const recipients = (n: number) => Array.from({ length: n }, () => uniqueEmail('hot'));

describe('S8: hot keys', () => {
  it('ten /email/send calls at once, ten recipients each, against 200 an hour: every one is accepted', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.post('/email/send', { to: recipients(10), subject: 'Hi', text: 'Hello' }, withKey(sender.apiKey)),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(202));
  });

  it('fifty parallel calls within a budget all pass, and the budget is exact: the next ones are refused', async () => {
    const exact = await createTestTenant({ settings: { email: { send_per_hour: 50 } } }, ['email:send']);
    const results = await Promise.all(
      Array.from({ length: 60 }, () =>
        api.post(
          '/email/send',
          { to: uniqueEmail('x'), subject: 'Hi', text: 'Hello' },
          withKey(exact.apiKey),
        ),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(50);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
  });

  it('a request that does not fit is refused whole and spends nothing: a smaller one still fits after it', async () => {
    const tight = await createTestTenant({ settings: { email: { send_per_hour: 10 } } }, ['email:send']);
    const send = (n: number) =>
      api.post('/email/send', { to: recipients(n), subject: 'Hi', text: 'Hello' }, withKey(tight.apiKey));
    expect((await send(8)).status).toBe(202);
    expect((await send(3)).status).toBe(429);
    expect((await send(2)).status).toBe(202);
  });

  it('fifty sign-ins from one shared IP at once, by different people, all get past the IP budget', async () => {
    const office = await createTestTenant();
    // Made directly: registration has its own per-IP limit, which is not what this is about.
    const passwordHash = await hashPassword(GOOD_PASSWORD);
    const people = Array.from({ length: 50 }, () => ({ email: uniqueEmail('office') }));
    for (const { email } of people) await createUser(newUser(office.tenant, { email, passwordHash }));
    const handler = createHttpHandler(app);
    const answers = await Promise.all(
      people.map(async ({ email }) => {
        const event = functionUrlEvent('POST', '/auth/login', {
          headers: { 'content-type': 'application/json', 'x-api-key': office.apiKey },
          body: JSON.stringify({ email, password: GOOD_PASSWORD }),
        });
        event.requestContext.http.sourceIp = '203.0.113.77';
        return ((await handler(event as never)) as { statusCode: number }).statusCode;
      }),
    );
    expect(answers).toEqual(Array(50).fill(200));
  });

  it('S25: a text refused by the site budget takes nothing from the user or the number', async () => {
    const site = await createTestTenant({ settings: { mfa_sms_per_hour: 1 } });
    const first = await registerAndLogin(app, site.apiKey);
    const second = await registerAndLogin(app, site.apiKey);
    const phone = '+14155550199';
    expect((await api.post('/auth/mfa/sms/setup', { phone }, bearer(first.token))).status).toBe(202);
    // The site's one text an hour is spent: the second user is refused, and must not have spent their own.
    for (let i = 0; i < 6; i++) {
      expect((await api.post('/auth/mfa/sms/setup', { phone }, bearer(second.token))).status).toBe(429);
    }
    const { tenantResolver } = await import('../../src/core/tenants');
    const { putTenant } = await import('../../src/core/db/tenants');
    await putTenant({ ...site.tenant, settings: { mfa_sms_per_hour: 100 } });
    tenantResolver().clear();
    // Six refusals later the user's own limit (5 per 15 minutes) is untouched: this text goes out.
    const res = await api.post('/auth/mfa/sms/setup', { phone }, bearer(second.token));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });
});
