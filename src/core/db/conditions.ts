// Translates DynamoDB's conditional-write failure into a value the data layer can branch on.

export function isConditionFailed(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException';
}

/** Runs a conditional write; false when its condition did not hold, rethrows anything else. */
export async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/** The per-item reasons DynamoDB gives for a cancelled transaction, in the order of its items. */
export const cancellationCodes = (error: unknown): (string | undefined)[] =>
  ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code);
