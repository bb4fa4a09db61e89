import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { insertReaders } from '../factories/readers';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { clickCount, clickLinks, follow, hrefs, insertStories, sendEdition } from './engagement-fixtures';

const URLS = [
  'https://www.example.net/2026/11/winter-camps/',
  'https://www.example.net/news?id=318204&lang=ar#comments',
];
const utm = (campaign: string) => `utm_source=nashra&utm_medium=email&utm_campaign=${campaign}`;
const withUtm = (url: string, campaign: string) =>
  url.includes('?') ? url.replace('#', `&${utm(campaign)}#`) : `${url}?${utm(campaign)}`;

describe('Click tracking: a reader follows the links of their digest', () => {
  const suite = appWithSmtpSink();

  it('lands on each article with UTM tags, records one click per link, refuses forged tokens, and honours the opt-out', async () => {
    const { t, sink } = suite;
    const ds = t.dataSource;
    const [reader, optedOut] = await insertReaders(ds, { count: 2, prefix: 'clicks-' });
    // The opted-out reader ticks «لا تتبّع نقراتي» on their preferences page.
    const preferences = t.get(SubscriberLinks).preferencesUrl(optedOut.id);
    const saved = await fetch(preferences, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'form=preferences&frequency=daily&noClickTracking=on',
    });
    expect(saved.status).toBe(200);
    const page = await (await fetch(preferences)).text();
    expect(page).toContain('لا تتبّع نقراتي');
    expect(page).toMatch(/name="noClickTracking" value="on" checked/);

    const articles = await insertStories(ds, URLS);
    const edition = await sendEdition(t, articles);
    const [{ key }] = await ds.query(`SELECT key FROM editions WHERE id = $1`, [edition]);
    const campaign = key.replace(/[^A-Za-z0-9_-]+/g, '-');

    const [message] = sink.to(reader.email);
    const links = clickLinks(message);
    expect(links).toHaveLength(2);
    expect(hrefs(message).some((h) => h.startsWith('https://www.example.net/'))).toBe(false);
    // The text part carries the same tracked links.
    expect(message.parsed.text).toContain(links[0]);

    await ds.query(`UPDATE subscribers SET last_engaged_at = NULL`);
    const beforeClicks = Date.now();
    for (const [i, link] of links.entries()) {
      expect(link.startsWith(`${t.baseUrl}/r/`)).toBe(true);
      for (let twice = 0; twice < 2; twice++) {
        const answer = await follow(link);
        expect(answer.status).toBe(302);
        expect(answer.location).toBe(withUtm(URLS[i], campaign));
      }
    }
    expect(await clickCount(ds, edition)).toBe(2);
    // A click shows the reader reads us (the sunset rule counts on it); nobody else was touched.
    const engaged = await ds.query(`SELECT id, last_engaged_at FROM subscribers WHERE last_engaged_at IS NOT NULL`);
    expect(engaged.map((r: { id: string }) => r.id)).toEqual([reader.id]);
    expect(new Date(engaged[0].last_engaged_at).getTime()).toBeGreaterThanOrEqual(beforeClicks - 1000);

    // An altered token (one character changed) and a made-up one: 404 with an Arabic page, nothing recorded.
    const token = links[0].split('/r/')[1];
    const altered = token.slice(0, 3) + (token[3] === 'A' ? 'B' : 'A') + token.slice(4);
    for (const bad of [altered, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA', 'nope', `${token}x`]) {
      const answer = await follow(`${t.baseUrl}/r/${bad}`);
      expect(answer.status).toBe(404);
      expect(answer.location).toBeNull();
      expect(answer.body).toContain('هذا الرابط غير صالح');
    }
    // Garbage in the path (bad escapes, a huge token, a pixel that is not one): a 4xx, never a 500.
    for (const path of ['/r/%E0%A4%A', `/r/${'A'.repeat(5000)}`, '/o/%zz.gif', '/o/x.png', `/o/${token}.gif`]) {
      const answer = await follow(`${t.baseUrl}${path}`);
      expect([path, answer.status >= 400 && answer.status < 500]).toEqual([path, true]);
    }
    expect(await clickCount(ds)).toBe(2);

    // The reader who opted out gets direct links, still UTM-tagged, and no tracked link at all.
    const [direct] = sink.to(optedOut.email);
    expect(clickLinks(direct)).toEqual([]);
    expect(hrefs(direct)).toEqual(expect.arrayContaining(URLS.map((u) => withUtm(u, campaign))));
    expect(direct.parsed.text).not.toContain('/r/');

    // The web copy of the edition never carries anyone's tracked links.
    const web = await (await fetch(`${t.baseUrl}/digests/${edition}`)).text();
    expect(web).not.toContain('/r/');
    expect(web).not.toContain('PLACEHOLDER');
    expect(hrefs(web)).toContain(withUtm(URLS[1], campaign));
    // Its text form too, with the URL as written (no HTML escaping in plain text).
    const [{ text }] = await ds.query(`SELECT text FROM editions WHERE id = $1`, [edition]);
    expect(text).toContain(withUtm(URLS[1], campaign));
    expect(text).not.toContain('NASHRA-CLICK');
  });
});

describe('Click tracking off for the whole install', () => {
  const suite = appWithSmtpSink({ env: { CLICK_TRACKING: 'off' } });

  it('sends every reader direct links with UTM tags', async () => {
    const { t, sink } = suite;
    const ds = t.dataSource;
    const readers = await insertReaders(ds, { count: 3, prefix: 'untracked-' });
    const articles = await insertStories(ds, URLS);
    const edition = await sendEdition(t, articles);
    const [{ key }] = await ds.query(`SELECT key FROM editions WHERE id = $1`, [edition]);
    const campaign = key.replace(/[^A-Za-z0-9_-]+/g, '-');
    for (const reader of readers) {
      const [message] = sink.to(reader.email);
      expect(clickLinks(message)).toEqual([]);
      expect(hrefs(message)).toEqual(expect.arrayContaining(URLS.map((u) => withUtm(u, campaign))));
    }
    // The preferences page does not offer a choice that means nothing here.
    const preferences = await (await fetch(t.get(SubscriberLinks).preferencesUrl(readers[0].id))).text();
    expect(preferences).not.toContain('لا تتبّع نقراتي');
  });
});
