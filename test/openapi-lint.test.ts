// /openapi.json passes a standard linter (Redocly's engine, its recommended rules) with no errors: every operation
// has an operationId and its 4xx responses, and the document names its servers. A typed client is generated from it.
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/docs/openapi';

describe('OpenAPI lint', () => {
  it('has no errors under the recommended rules, and no warnings either', async () => {
    const doc = await openApiDocument();
    const problems = await lintFromString({
      source: JSON.stringify(doc, null, 2),
      absoluteRef: 'openapi.json',
      config: await createConfig({ extends: ['recommended'] }),
    });
    const describe = (p: (typeof problems)[number]) =>
      `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`;
    expect(problems.filter((p) => p.severity === 'error').map(describe)).toEqual([]);
    // A provider's callback answers only with a redirect (302): that is its success, which the rule cannot know.
    const redirects = (p: (typeof problems)[number]) => {
      if (p.ruleId !== 'operation-2xx-response') return false;
      const [, path, method] =
        /^#\/paths\/([^/]+)\/(\w+)\/responses$/.exec(p.location[0]?.pointer ?? '') ?? [];
      const op = (
        (doc as { paths: unknown }).paths as Record<
          string,
          Record<string, { responses: Record<string, unknown> }>
        >
      )[decodeURIComponent((path ?? '').replaceAll('~1', '/'))]?.[method ?? ''];
      return Object.keys(op?.responses ?? {}).some((code) => /^3\d\d$/.test(code));
    };
    expect(problems.filter((p) => !redirects(p)).map(describe)).toEqual([]);
  });
});
