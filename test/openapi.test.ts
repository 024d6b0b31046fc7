import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';

const app = createApp();

describe('API documentation', () => {
  it('describes every route in /openapi.json, generated from the validating zod schemas', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, Record<string, any>>>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    for (const op of [
      'GET /',
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
      'GET /.well-known/jwks.json',
      'POST /auth/register',
      'POST /auth/login',
      'POST /auth/logout',
      'POST /auth/password-reset',
      'POST /auth/password-reset/confirm',
      'POST /auth/token/refresh',
      'POST /auth/password/change',
      'GET /user/me',
      'GET /user/sessions',
      'DELETE /user/sessions/{session_id}',
    ]) {
      expect(operations).toContain(op);
    }
    const register = doc.paths['/auth/register'].post;
    const schema = register.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(expect.arrayContaining(['email', 'password']));
    expect(schema.properties.email.format).toBe('email');
    expect(register.security).toEqual([{ apiKey: [] }]);
    expect(Object.keys(register.responses)).toEqual(expect.arrayContaining(['201', '422']));
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ in: 'header', name: 'x-api-key' });
  });

  it('shows each sign-in flow (links, Google and GitHub, passkeys, the passkey step) as a fetch sample', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<string, { tags: string[]; 'x-codeSamples'?: { lang: string; source: string }[] }>
      >;
    };
    const flows = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(
          ([, op]) => ['oauth', 'passkeys'].includes(op.tags[0] as string) && !path.endsWith('/callback'),
        )
        .map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(flows.length).toBeGreaterThanOrEqual(14);
    for (const { at, op } of [
      ...flows,
      { at: 'POST /auth/magic-link', op: doc.paths['/auth/magic-link']?.post },
      { at: 'POST /auth/mfa/verify', op: doc.paths['/auth/mfa/verify']?.post },
    ]) {
      expect(op?.['x-codeSamples']?.[0]?.source, at).toMatch(/await fetch\(`\$\{API\}\//);
    }
    expect(doc.paths['/auth/oauth/google/start']?.post?.['x-codeSamples']?.[0]?.source).toContain(
      '/auth/oauth/google/start',
    );
  });

  it('serves Swagger UI at /docs from this origin only, with a CSP of self and no inline script', async () => {
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('/assets/swagger-ui/swagger-ui-bundle.js');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("object-src 'none'");
    const init = await app.request('/docs/init.js');
    expect(await init.text()).toContain("url: '/openapi.json'");
  });

  it('has no /dev routes in the deployed app (only the local dev server mounts /dev/mail)', async () => {
    expect((await app.request('/dev/mail')).status).toBe(404);
  });

  it('documents POST /email/send and the verify-email routes', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/email/send', '/auth/verify-email/confirm', '/auth/verify-email/resend']),
    );
  });
});
