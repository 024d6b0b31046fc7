// `npm run admin:create -- --email you@example.com [--name "You"] [--password ... | --prompt]`: the first platform
// admin, against whatever tables the environment names (make dev's locally, your stack's with AWS credentials).
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { randomToken } from '../core/crypto';
import { BootstrapError, createPlatformAdmin } from './bootstrap';

async function main() {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      password: { type: 'string' },
      prompt: { type: 'boolean' },
    },
  });
  if (!values.email)
    throw new BootstrapError(
      'usage: npm run admin:create -- --email you@example.com [--name ...] [--password ... | --prompt]',
    );
  let password = values.password;
  if (!password && values.prompt) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    password = await rl.question('Password (15+ characters): ');
    rl.close();
  }
  const generated = !password;
  password ??= randomToken(18);
  const user = await createPlatformAdmin({ email: values.email, password, name: values.name });
  console.log(`Created platform admin ${user.email}${generated ? ` with password: ${password}` : ''}`);
  console.log('Sign in at <your API URL>/admin/login');
}

main().catch((error: Error) => {
  console.error(error instanceof BootstrapError ? error.message : `admin:create failed: ${error.message}`);
  process.exit(1);
});
