// base64url for keys and ids on the server (Buffer's); the browser code has its own (secrets/envelope.ts).
export const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
export const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));
