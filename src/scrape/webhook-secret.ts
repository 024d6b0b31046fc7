// The sealing context of a job's webhook signing secret: the console seals it, the worker unseals it.
export const webhookSecretContext = (jobId: string) => `scrape-webhook:${jobId}`;
