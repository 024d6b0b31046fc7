// TOTP (RFC 6238, otplib): 30-second steps, 6 digits, codes from one step either side accepted (S23).
// otplib and the QR library load on first MFA use, keeping them off every cold start's path.
import { clock } from '../../core/clock';

const PERIOD = 30;
const otp = () => import('otplib');

export const newTotpSecret = async () => (await otp()).generateSecret();

export const totpUri = async (secret: string, issuer: string, account: string) =>
  (await otp()).generateURI({ issuer, label: account, secret });

/** The time step a code belongs to (now, or one step either side), or undefined when it matches none. */
export async function matchTotp(secret: string, code: string): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await (await otp()).verify({
    secret,
    token: code,
    epoch: clock.seconds(),
    epochTolerance: PERIOD,
  });
  return result.valid ? (result as { timeStep: number }).timeStep : undefined;
}

/** For tests and tools: the code for a given moment. */
export const totpAt = async (secret: string, epochSeconds: number) =>
  (await otp()).generate({ secret, epoch: epochSeconds });

/** The authenticator-app QR code as SVG. */
export async function qrSvg(text: string): Promise<string> {
  const qrcode = await import('qrcode');
  return qrcode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
