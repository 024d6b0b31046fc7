// Sends one rendered email through SES (SendEmail, text + HTML) and says whether a failure is worth retrying.
import { SESClient, SESServiceException, SendEmailCommand } from '@aws-sdk/client-ses';
import { WORKER_LIMITS } from '../core/aws-limits';
import type { RenderedEmail } from './render';

let client: SESClient | undefined;
const ses = () => {
  // SDK retries cover brief throttling; anything left fails the record and SQS redelivers it later.
  client ??= new SESClient(WORKER_LIMITS);
  return client;
};

export type SendOutcome = { status: 'sent'; messageId: string } | { status: 'rejected'; reason: string };

export async function sendEmail(
  from: string,
  to: string,
  email: RenderedEmail,
  replyTo?: string,
): Promise<SendOutcome> {
  try {
    const out = await ses().send(
      new SendEmailCommand({
        Source: from,
        Destination: { ToAddresses: [to] },
        ReplyToAddresses: replyTo ? [replyTo] : undefined,
        Message: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: {
            Text: { Data: email.text, Charset: 'UTF-8' },
            Html: { Data: email.html, Charset: 'UTF-8' },
          },
        },
      }),
    );
    return { status: 'sent', messageId: out.MessageId ?? '' };
  } catch (error) {
    if (isRecipientRejection(error, from)) return { status: 'rejected', reason: (error as Error).message };
    // Throttling, 5xx, network, and our own configuration problems (unverified sender): retry, then the DLQ.
    throw error;
  }
}

/** SES refused this message for the recipient's sake, so sending it again cannot help. */
function isRecipientRejection(error: unknown, from: string): boolean {
  if (!(error instanceof SESServiceException) || error.name !== 'MessageRejected') return false;
  // "Email address not verified <sender>" is our configuration, not the recipient: keep it retryable and visible.
  const sender = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return !error.message.includes(sender);
}
