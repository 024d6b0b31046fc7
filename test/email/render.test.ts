import { describe, expect, it } from 'vitest';
import { staleBrowserScripts } from '../../src/dev/browser-scripts';
import { staleEmbeds } from '../../src/dev/embed-templates';
import { type EMAIL_TEMPLATES, PermanentEmailError, renderEmail } from '../../src/email/render';

const hostile = '<script>alert("x")</script> & "quotes"';
const samples: Record<keyof typeof EMAIL_TEMPLATES, Record<string, unknown>> = {
  welcome: { name: hostile, login_url: 'https://shop.example/login?a=1&b=2' },
  email_verification: {
    name: hostile,
    verify_url: 'https://shop.example/verify?token=abc&x=1',
    expires_hours: 24,
  },
  password_reset: {
    name: hostile,
    reset_url: 'https://shop.example/reset?token=abc&x=1',
    expires_minutes: 30,
  },
  magic_link: {
    name: hostile,
    login_url: 'https://auth.example/magic-link?token=abc&x=1',
    expires_minutes: 15,
  },
  password_changed: {
    name: hostile,
    changed_at: '2026-11-22T05:00:00Z',
    reset_url: 'https://shop.example/forgot',
  },
  existing_account: { reset_url: 'https://shop.example/forgot' },
  mfa_code: { code: '123456', expires_minutes: 10 },
  notification: {
    title: `Order ${hostile}`,
    message: `Line one\nLine two ${hostile}`,
    action_url: 'https://shop.example/o/1',
    action_label: 'View',
  },
};

describe('email templates', () => {
  it('are embedded in the bundle exactly as they are in templates/ (run npm run templates if not)', async () => {
    expect(staleEmbeds()).toEqual([]);
    // The hosted pages' scripts likewise match their sources in src/*/browser.
    expect(await staleBrowserScripts()).toEqual([]);
  });

  for (const [name, data] of Object.entries(samples)) {
    it(`${name}: renders a subject, a text part and an escaped HTML part with the site's name`, () => {
      const email = renderEmail(name, data, { productName: 'Acme & Sons' });
      expect(email.subject.length).toBeGreaterThan(5);
      expect(email.subject).not.toMatch(/[\r\n]/);
      expect(email.text.length).toBeGreaterThan(20);
      expect(email.text).not.toMatch(/^Subject:/);
      expect(email.html).toContain('Acme &amp; Sons');
      expect(email.html).not.toContain('<script>');
      if (JSON.stringify(data).includes('<script>')) expect(email.html).toContain('&lt;script&gt;');
      // Links survive: escaped in HTML attributes, verbatim in text.
      const url = Object.values(data).find((v) => typeof v === 'string' && v.startsWith('https://')) as
        | string
        | undefined;
      if (url) {
        expect(email.text).toContain(url);
        expect(email.html).toContain(url.replaceAll('&', '&amp;'));
      }
    });
  }

  it('puts the code of mfa_code in both parts', () => {
    const email = renderEmail('mfa_code', samples.mfa_code, { productName: 'Acme' });
    expect(email.text).toContain('123456');
    expect(email.html).toContain('123456');
  });

  it('refuses unknown templates, missing data and non-http links as permanent errors', () => {
    expect(() => renderEmail('nope', {}, { productName: 'A' })).toThrow(PermanentEmailError);
    expect(() => renderEmail('password_reset', { name: 'x' }, { productName: 'A' })).toThrow(/reset_url/);
    expect(() =>
      renderEmail(
        'password_reset',
        { reset_url: 'javascript:alert(1)', expires_minutes: 5 },
        { productName: 'A' },
      ),
    ).toThrow(/http\(s\) URL/);
    expect(() => renderEmail('mfa_code', { code: '12ab', expires_minutes: 5 }, { productName: 'A' })).toThrow(
      PermanentEmailError,
    );
  });
});
