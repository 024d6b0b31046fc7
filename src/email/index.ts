// The email feature's public face: queueing an email for the worker, and what the console needs of the sender
// rules (the site form) and the feature's config.
export { emailConfig } from './config';
export { type EmailRequest, enqueueEmail, enqueueEmails, enqueueTenantEmail } from './jobs';
export { isAllowedSender } from './settings';
