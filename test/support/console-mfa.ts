// Console admins must have an authenticator (platform admins always). Tests that are about something else sign
// in with a test seed: each admin account with this email gets it (as an operator enrolling would), and its
// last-used step is forgotten so the same account can sign in several times within one 30-second step.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { totpAt } from '../../src/auth/mfa/totp';
import { clock } from '../../src/core/clock';
import { tables } from '../../src/core/config';
import { documentClient } from '../../src/core/db/client';
import { activateTotp, setPendingTotp } from '../../src/core/db/user-factors';
import { findUsersByEmail } from '../../src/core/db/users';
import { isAdmin } from '../../src/core/roles';
import { seal, unseal } from '../../src/core/sealed';

export const TEST_TOTP_SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

/** A code the console accepts for `email`'s admin accounts right now. */
export async function consoleCodeFor(email: string): Promise<string> {
  for (const user of (await findUsersByEmail(email.trim().toLowerCase())).filter(isAdmin)) {
    if (!user.mfa.totpSecret) {
      const sealed = await seal(TEST_TOTP_SEED, user.userId);
      await setPendingTotp(user.userId, sealed);
      await activateTotp(user.userId, sealed, 0, undefined);
    } else if ((await unseal(user.mfa.totpSecret, user.userId)) !== TEST_TOTP_SEED) {
      continue; // enrolled by the test itself
    }
    await documentClient.send(
      new UpdateCommand({
        TableName: tables().users,
        Key: { user_id: user.userId },
        UpdateExpression: 'REMOVE mfa_totp_last_step',
      }),
    );
  }
  return totpAt(TEST_TOTP_SEED, clock.seconds());
}
