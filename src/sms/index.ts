// The SMS feature's public face: queueing a text for the SMS worker.
export { enqueueSms, type SmsJob } from './jobs';
