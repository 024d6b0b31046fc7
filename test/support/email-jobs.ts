// Reads the email jobs the app queued on this test file's own queue (see local-env.ts).
import type { EmailJob } from '../../src/core/queue';
import { sqsSdk } from '../../src/dev/aws';

const seen: EmailJob[] = [];

/** Every job queued so far in this file (drains the queue into a local list). */
export async function emailJobs(): Promise<EmailJob[]> {
  const sdk = sqsSdk();
  const sqs = new sdk.SQSClient({});
  try {
    while (true) {
      const { Messages = [] } = await sqs.send(
        new sdk.ReceiveMessageCommand({
          QueueUrl: process.env.EMAIL_QUEUE_URL,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
        }),
      );
      if (Messages.length === 0) break;
      for (const m of Messages) {
        seen.push(JSON.parse(m.Body as string));
        await sqs.send(
          new sdk.DeleteMessageCommand({
            QueueUrl: process.env.EMAIL_QUEUE_URL,
            ReceiptHandle: m.ReceiptHandle,
          }),
        );
      }
    }
  } finally {
    sqs.destroy();
  }
  return [...seen];
}

export const jobsTo = async (to: string, template?: string) =>
  (await emailJobs()).filter((j) => j.to === to && (!template || j.template === template));

/** The token in the newest reset link sent to `to`. */
export async function resetTokenFor(to: string): Promise<string> {
  const jobs = await jobsTo(to, 'password_reset');
  const link = jobs.at(-1)?.data.reset_url as string | undefined;
  if (!link) throw new Error(`no reset email to ${to}`);
  return new URL(link).searchParams.get('token') as string;
}
