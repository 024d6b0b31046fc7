// Console session security (issue 17 §5, S17): at most 5 console sessions per admin, the oldest ended by a new
// sign-in; an admin sees their own sessions on the account page and ends any of them (another admin's is a 404).
import { beforeAll, describe, expect, it } from 'vitest';
import { createPlatformAdmin } from '../../src/admin/bootstrap';
import { createApp } from '../../src/app';
import { consoleBrowser } from '../support/console';
import { uniqueEmail } from '../support/users';

const app = createApp();
const PASSWORD = 'console sessions passphrase';
const ADMIN = uniqueEmail('sessions-admin');
const OTHER = uniqueEmail('sessions-other');

beforeAll(async () => {
  await createPlatformAdmin({ email: ADMIN, password: PASSWORD });
  await createPlatformAdmin({ email: OTHER, password: PASSWORD });
});

async function signedIn(email = ADMIN) {
  const browser = consoleBrowser(app, { headers: { 'user-agent': `browser-${Math.random()}` } });
  expect((await browser.signIn(email, PASSWORD)).res.status).toBe(303);
  return browser;
}
const sessionIds = (html: string) =>
  [...html.matchAll(/\/admin\/account\/sessions\/([^/]+)\/end/g)].map((m) =>
    decodeURIComponent(m[1] as string),
  );

describe('console sessions', () => {
  it('lists your sessions, marks this one, and ends another browser’s session', async () => {
    const laptop = await signedIn();
    const phone = await signedIn();
    const page = await laptop.get('/admin/account');
    expect(page.html).toContain('Your console sessions');
    expect(page.html).toContain('(this one)');
    const ids = sessionIds(page.html);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    // The phone's own session is the one its page marks "(this one)"; the laptop ends it.
    const phonePage = (await phone.get('/admin/account')).html;
    const phoneId = decodeURIComponent(
      /\/admin\/account\/sessions\/([^/]+)\/end/.exec(
        phonePage.slice(phonePage.indexOf('(this one)')),
      )?.[1] ?? '',
    );
    expect(ids).toContain(phoneId);
    const ended = await laptop.post(`/admin/account/sessions/${encodeURIComponent(phoneId)}/end`, {
      csrf_token: laptop.csrfFrom(page.html),
    });
    expect(ended.res.status).toBe(303);
    expect(ended.res.headers.get('location')).toBe('/admin/account?notice=session_ended');
    expect((await phone.get('/admin')).res.headers.get('location')).toMatch(/^\/admin\/login/);
    expect((await laptop.get('/admin')).res.status).toBe(200);
  });

  it('keeps at most 5: a sixth sign-in ends the oldest', async () => {
    const email = uniqueEmail('sessions-cap');
    await createPlatformAdmin({ email, password: PASSWORD });
    const browsers = [];
    for (let i = 0; i < 6; i++) browsers.push(await signedIn(email));
    const page = await (browsers[5] as Awaited<ReturnType<typeof signedIn>>).get('/admin/account');
    expect(sessionIds(page.html)).toHaveLength(5);
    expect((await (browsers[0] as Awaited<ReturnType<typeof signedIn>>).get('/admin')).res.status).toBe(303);
    expect((await (browsers[1] as Awaited<ReturnType<typeof signedIn>>).get('/admin')).res.status).toBe(200);
  });

  it("another admin's session is not yours to end (404), and ending your own signs you out", async () => {
    const mine = await signedIn();
    const theirs = await signedIn(OTHER);
    const theirPage = (await theirs.get('/admin/account')).html;
    const theirId = sessionIds(theirPage)[0] as string;
    const page = await mine.get('/admin/account');
    const csrf = mine.csrfFrom(page.html);
    expect(
      (await mine.post(`/admin/account/sessions/${encodeURIComponent(theirId)}/end`, { csrf_token: csrf }))
        .res.status,
    ).toBe(404);
    expect((await theirs.get('/admin')).res.status).toBe(200);
    const myId = decodeURIComponent(
      /\/admin\/account\/sessions\/([^/]+)\/end/.exec(
        page.html.slice(page.html.indexOf('(this one)')),
      )?.[1] ?? '',
    );
    const out = await mine.post(`/admin/account/sessions/${encodeURIComponent(myId)}/end`, {
      csrf_token: csrf,
    });
    expect(out.res.headers.get('location')).toBe('/admin/login');
    expect((await mine.get('/admin')).res.status).toBe(303);
  });
});
