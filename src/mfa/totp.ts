// TOTP (RFC 6238, otplib): 30-second steps, 6 digits, codes from one step either side accepted (S23).
import { generate, generateSecret, generateURI, verify } from 'otplib';
import { clock } from '../core/clock';

const PERIOD = 30;

export const newTotpSecret = () => generateSecret();

export const totpUri = (secret: string, issuer: string, account: string) =>
  generateURI({ issuer, label: account, secret });

/** The time step a code belongs to (now, or one step either side), or undefined when it matches none. */
export async function matchTotp(secret: string, code: string): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const result = await verify({ secret, token: code, epoch: clock.seconds(), epochTolerance: PERIOD });
  return result.valid ? (result as { timeStep: number }).timeStep : undefined;
}

/** For tests and tools: the code for a given moment. */
export const totpAt = (secret: string, epochSeconds: number) => generate({ secret, epoch: epochSeconds });

/** The authenticator-app QR code as SVG; the library loads only on setup. */
export async function qrSvg(text: string): Promise<string> {
  const qrcode = await import('qrcode');
  return qrcode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
