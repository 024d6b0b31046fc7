// Tenant settings fall back to safe defaults: links that carry tokens are https (http only for localhost), and a
// site's sender must be within the deployment's verified SES identity.
import { describe, expect, it } from 'vitest';
import { newTenant, type Tenant } from '../src/core/db/tenants';
import { siteSettings } from '../src/core/tenant-settings';
import { emailSettings, isAllowedSender } from '../src/email/settings';

const tenantWith = (settings: Record<string, unknown>): Tenant =>
  newTenant({ clientId: 'C', siteId: 'S', name: 'Site', settings });

describe('tenant settings', () => {
  it('reset and verify links must be https; plain http only for localhost', () => {
    expect(siteSettings(tenantWith({ reset_url: 'http://shop.example/reset' })).reset_url).toBeUndefined();
    expect(siteSettings(tenantWith({ verify_url: 'http://shop.example/verify' })).verify_url).toBeUndefined();
    expect(siteSettings(tenantWith({ reset_url: 'https://shop.example/reset' })).reset_url).toBe(
      'https://shop.example/reset',
    );
    for (const local of ['http://localhost:5173/reset', 'http://127.0.0.1:3000/r', 'http://[::1]/r']) {
      expect(siteSettings(tenantWith({ reset_url: local })).reset_url).toBe(local);
    }
  });

  it("a site's sender must be within the SES identity: that domain or its subdomains, or that exact address", () => {
    expect(isAllowedSender('Shop <shop@example.com>', 'example.com')).toBe(true);
    expect(isAllowedSender('news@mail.example.com', 'example.com')).toBe(true);
    expect(isAllowedSender('someone@elsewhere.test', 'example.com')).toBe(false);
    expect(isAllowedSender('x@notexample.com', 'example.com')).toBe(false);
    expect(isAllowedSender('Shop <shop@example.com>', 'shop@example.com')).toBe(true);
    expect(isAllowedSender('other@example.com', 'shop@example.com')).toBe(false);
    expect(isAllowedSender('not an address', 'example.com')).toBe(false);
    // Stored settings outside it fall back to the platform sender.
    expect(emailSettings(tenantWith({ email: { from: 'evil@elsewhere.test' } })).email.from).toBeUndefined();
    expect(emailSettings(tenantWith({ email: { from: 'Shop <shop@example.com>' } })).email.from).toBe(
      'Shop <shop@example.com>',
    );
  });
});
