// The auth feature's public face: what the console and the hosted pages may use of sign-in, passwords and MFA.
// Everything else in this folder is the feature's own business.
export { confirmEmailVerification, sendVerificationEmail, tenantOfToken } from './email-verification';
export { invalidCredentials, loginWithPassword, verifyCredentials } from './login';
export { magicLinkTarget } from './magic-link';
export {
  acceptTotp,
  issueEnrollmentChallenge,
  recoveryCodeUsed,
  spendRecoveryCode,
} from './mfa/challenge';
export { smsDelivery } from './mfa/config';
export {
  activateTotpFactor,
  type Enroller,
  pendingTotpSetup,
  regenerateRecoveryCodes,
  setupTotp,
} from './mfa/enroll';
export { enrollerFromEnrollmentToken } from './mfa/enroller';
export { mustUseMfa } from './mfa/policy';
export { secondFactorAccepted, secondFactorRefused, takeSecondFactorTry } from './mfa/second-factor-budget';
export { MFA_POLICIES } from './mfa/settings';
export { clientSecrets } from './oauth/secrets';
export { assertionResponse, registrationResponse } from './passkeys/schemas';
export { passwordProblem } from './password-policy';
export { confirmPasswordReset, requestPasswordReset } from './password-reset';
export { RECENT_SIGN_IN_SECONDS } from './recent-sign-in';
export { nameField } from './schemas';
export { tokenBody } from './session-tokens';
export { clientIdSchema, PROVIDER_LABELS, PROVIDER_NAMES, signInMethods } from './sign-in-methods';
export { liftLockout, underLoginBudget } from './throttle';
/** The WebAuthn ceremonies, loaded on first use: the console's passkey routes only (the library is large). */
export const passkeyCeremonies = () => import('./passkeys/ceremonies');
