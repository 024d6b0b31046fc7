// S43: what sits in the Outbox table, on the queues and in their dead-letter queues is sealed: no recipient,
// reset link, verification link or code can be read there. Only the workers open jobs.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { tables } from '../../src/core/config';
import { documentClient } from '../../src/core/db/client';
import { bearer, client, withKey } from '../support/http';
import { emailJobs, jobsTo } from '../support/queued-jobs';
import { createTestTenant, type TestTenant } from '../support/tenants';
import { registerAndLogin } from '../support/users';

const app = createApp();
const api = client(app);
let site: TestTenant;

beforeAll(async () => {
  site = await createTestTenant({ settings: { reset_url: 'https://sealed.example/reset' } });
});

/** Every outbox row of this test file, raw, before the relay takes them. */
async function outboxRows(): Promise<string> {
  const { Items = [] } = await documentClient.send(new ScanCommand({ TableName: tables().outbox }));
  return JSON.stringify(Items);
}

describe('S43: queued jobs are sealed', () => {
  it('a reset email and an email code are unreadable in the outbox row and in the SQS message', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    await api.post('/auth/password-reset', { email: user.email }, withKey(site.apiKey));
    await api.post('/auth/mfa/email/setup', undefined, bearer(user.token));
    const rows = await outboxRows();
    const [reset] = await jobsTo(user.email, 'password_reset');
    const [code] = await jobsTo(user.email, 'mfa_code');
    const link = reset?.data.reset_url as string;
    const token = new URL(link).searchParams.get('token') as string;
    const digits = code?.data.code as string;
    expect(link).toContain('https://sealed.example/reset');
    expect(digits).toMatch(/^\d{6}$/);
    const raw = (await emailJobs()).map((j) => j.raw).join('\n');
    for (const secret of [token, user.email, 'sealed.example']) {
      expect(rows).not.toContain(secret);
      expect(raw).not.toContain(secret);
    }
    expect(raw).not.toMatch(new RegExp(`\\b${digits}\\b`));
  });

  it('a job opens only with the id it was sealed for: one sealed for another job id does not', async () => {
    const user = await registerAndLogin(app, site.apiKey);
    await api.post('/auth/password-reset', { email: user.email }, withKey(site.apiKey));
    const [job] = await jobsTo(user.email, 'password_reset');
    const { processEmailJob } = await import('../../src/email/process-job');
    const swapped = { ...(job as NonNullable<typeof job>), id: 'another-job-id' };
    await expect(processEmailJob(swapped)).rejects.toThrow(/cannot be opened/);
  });
});
