// docs/security.md describes every requirement id the code and tests cite, and lists the tests that prove each.
import { describe, expect, it } from 'vitest';
import { securityDocProblems } from '../src/dev/security-doc';

describe('docs/security.md', () => {
  it('describes every cited requirement id, and its test lists are current', () => {
    expect(securityDocProblems()).toEqual([]);
  });
});
