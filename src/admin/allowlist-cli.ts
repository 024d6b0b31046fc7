// Break-glass for IP allowlists (issue 17 §3): `npm run admin:allowlist -- --list` shows every list, and
// `--clear console` (or `--clear tenant:<client>#<site>`, `--clear key:<hash>`) empties one, for the operator who
// saved a console list that shuts them out. It writes the control item directly with the stack's credentials, like
// admin:create; every instance follows within seconds.
import { parseArgs } from 'node:util';
import { removeAllowlistEntries } from '../core/db/allowlists';
import { type AllowlistScope, readControlState } from '../core/db/revocations';

const USAGE =
  'usage: npm run admin:allowlist -- --list | --clear console | --clear tenant:<client>#<site> | --clear key:<hash>';

async function main() {
  const { values } = parseArgs({ options: { list: { type: 'boolean' }, clear: { type: 'string' } } });
  const { allowlists } = await readControlState();
  if (values.list) {
    const scopes = Object.entries(allowlists);
    if (scopes.length === 0) console.log('No allowlist has entries: every address is allowed.');
    for (const [scope, entries = []] of scopes) {
      console.log(`${scope}:`);
      for (const e of entries) console.log(`  ${e.cidr}  ${e.note}  (${e.by}, ${e.at}, id ${e.id})`);
    }
    return;
  }
  const scope = values.clear as AllowlistScope | undefined;
  if (!scope || !/^(console|tenant:[^|]+|key:[0-9a-f]{64})$/.test(scope)) throw new Error(USAGE);
  const ids = (allowlists[scope] ?? []).map((e) => e.id);
  await removeAllowlistEntries(scope, ids);
  console.log(`Cleared ${ids.length} entr${ids.length === 1 ? 'y' : 'ies'} from the ${scope} allowlist.`);
}

main().catch((error: Error) => {
  console.error(
    error.message.startsWith('usage:') ? error.message : `admin:allowlist failed: ${error.message}`,
  );
  process.exit(1);
});
