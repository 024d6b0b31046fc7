// Runs before each test file: points the AWS SDK and the app's config at the run's local services.
import { inject } from 'vitest';

Object.assign(process.env, inject('localEnv'));
