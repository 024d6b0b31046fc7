import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { freePort } from '../../src/dev/services';
import { resetTokenFor } from '../support/queued-jobs';
import { createTestTenant } from '../support/tenants';
import { uniqueEmail } from '../support/users';

// The seed's api.ts, unchanged but for API_BASE and API_KEY being set by the test (and json() typed as the
// browser's DOM lib types it).
type Json = any;
let API_BASE = '';
let API_KEY = '';

type LoginResponse = { token: string; user: { user_id: string; email: string; name: string } };

async function registerUser(email: string, password: string, name = '') {
  const res = await fetch(`${API_BASE}/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ email, password, name }),
  });
  if (!res.ok) throw new Error(await res.text());
  return res.json() as Promise<Json>;
}

async function loginUser(email: string, password: string) {
  const res = await fetch(`${API_BASE}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ email, password }),
  });
  if (!res.ok) throw new Error(await res.text());
  const data = (await res.json()) as LoginResponse;
  return data;
}

async function getProfile(token: string) {
  const res = await fetch(`${API_BASE}/user/me`, {
    method: 'GET',
    headers: { Authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(await res.text());
  return res.json() as Promise<Json>;
}

async function requestPasswordReset(email: string) {
  const res = await fetch(`${API_BASE}/auth/password-reset`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-api-key': API_KEY },
    body: JSON.stringify({ email }),
  });
  if (!res.ok) throw new Error(await res.text());
  return res.json() as Promise<Json>;
}

async function confirmPasswordReset(token: string, newPassword: string) {
  const res = await fetch(`${API_BASE}/auth/password-reset/confirm`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token, new_password: newPassword }),
  });
  if (!res.ok) throw new Error(await res.text());
  return res.json() as Promise<Json>;
}

let server: ServerType;

beforeAll(async () => {
  const site = await createTestTenant({ settings: { reset_url: 'http://localhost:5173/reset-password' } });
  API_KEY = site.apiKey;
  const port = await freePort();
  server = serve({ fetch: createApp().fetch, port, hostname: '127.0.0.1' });
  API_BASE = `http://127.0.0.1:${port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe("the seed's frontend flow over real HTTP", () => {
  it('register, login, getProfile, reset via the emailed token, login again, logout, profile refused', async () => {
    const email = uniqueEmail('seed');
    const registered = await registerUser(email, 'S3cur3Pass!x', 'Example User');
    expect(registered.message).toBe('Registration successful');

    const { token, user } = await loginUser(email, 'S3cur3Pass!x');
    expect(user).toEqual({ user_id: registered.user.user_id, email, name: 'Example User' });

    const profile = await getProfile(token);
    expect(profile.user).toMatchObject({ user_id: user.user_id, email });

    expect(await requestPasswordReset(email)).toEqual({ message: 'If account exists, reset email sent' });
    const resetToken = await resetTokenFor(email);
    expect(await confirmPasswordReset(resetToken, 'N3wPassw0rd!x')).toEqual({
      message: 'Password reset successful',
    });

    await expect(loginUser(email, 'S3cur3Pass!x')).rejects.toThrow(/invalid_credentials/);
    const again = await loginUser(email, 'N3wPassw0rd!x');
    // The reset ended the first session.
    await expect(getProfile(token)).rejects.toThrow(/not_authenticated|invalid_token/);

    const out = await fetch(`${API_BASE}/auth/logout`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${again.token}` },
    });
    expect(await out.json()).toEqual({ message: 'Logged out successfully' });
    await expect(getProfile(again.token)).rejects.toThrow(/not_authenticated/);
  });

  it('takes a body-less POST with neither Content-Length nor Transfer-Encoding (curl -X POST) as having no body', async () => {
    const email = uniqueEmail('curl');
    await registerUser(email, 'S3cur3Pass!x');
    const { token } = await loginUser(email, 'S3cur3Pass!x');
    // Written by hand: Node's own client would add Content-Length: 0, curl -X POST sends neither header.
    const { connect } = await import('node:net');
    const { port } = new URL(API_BASE);
    const raw = await new Promise<string>((resolve, reject) => {
      let reply = '';
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /auth/logout HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
        );
      });
      socket.on('data', (chunk) => {
        reply += chunk.toString();
      });
      socket.on('end', () => resolve(reply));
      socket.on('error', reject);
    });
    const status = Number(raw.split(' ')[1]);
    expect(raw).toContain('Logged out successfully');
    expect(status).toBe(200);
  });

  it('the seed refresh call (Bearer only, no body) returns {token}', async () => {
    const email = uniqueEmail('seed-refresh');
    await registerUser(email, 'S3cur3Pass!x');
    const { token } = await loginUser(email, 'S3cur3Pass!x');
    const res = await fetch(`${API_BASE}/auth/token/refresh`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).token).toEqual(expect.any(String));
  });
});
