// The password policy (S1-S3): length in code points, no composition rules, and no common or contextual passwords.
export const MAX_PASSWORD_LENGTH = 256;

let common: Promise<Set<string>> | undefined;
// Loaded and built on first use (93 KiB of data): only setting a password pays for it, never a sign-in.
const commonPasswords = () => {
  common ??= import('./common-passwords').then(
    ({ COMMON_PASSWORDS }) => new Set(COMMON_PASSWORDS.split('\n')),
  );
  return common;
};

/** Why a new password is refused, or undefined when it is acceptable. */
export async function passwordProblem(
  password: string,
  { minLength, email, siteName }: { minLength: number; email?: string; siteName?: string },
): Promise<string | undefined> {
  const normalised = password.normalize('NFC');
  const length = [...normalised].length;
  if (length < minLength) return `must be at least ${minLength} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = normalised.toLowerCase();
  if ((await commonPasswords()).has(lower)) return 'is too common; choose a less guessable password';
  const contextual = [email, email?.split('@')[0], siteName].filter((w): w is string => !!w && w.length >= 4);
  if (contextual.some((word) => lower === word.toLowerCase())) {
    return 'must not be your email address or the site name';
  }
  return undefined;
}
