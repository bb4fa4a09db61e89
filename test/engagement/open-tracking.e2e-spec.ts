import { insertReaders } from '../factories/readers';
import { FakeClock } from '../helpers/fake-clock';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { insertStories, sendEdition } from './engagement-fixtures';

const GMAIL_PROXY = 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)';
const BROWSER = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)';

describe('Open tracking (OPEN_TRACKING=on)', () => {
  const clock = new FakeClock(new Date());
  const suite = appWithSmtpSink({ env: { OPEN_TRACKING: 'on' }, clock });

  it("counts a reader's open, and keeps prefetches and proxy fetches apart as machine opens", async () => {
    const { t, sink } = suite;
    const ds = t.dataSource;
    const [reader, prefetched, proxied, optedOut] = await insertReaders(ds, { count: 4, prefix: 'opens-' });
    await ds.query(`UPDATE subscribers SET track_clicks = false WHERE id = $1`, [optedOut.id]);
    const edition = await sendEdition(t, await insertStories(ds, ['https://www.example.net/2026/11/opens/']));
    const pixel = (email: string) => {
      const html = sink.to(email)[0].parsed.html as string;
      return /<img src="([^"]*\/o\/[A-Za-z0-9_-]+\.gif)"/.exec(html)?.[1];
    };
    const fetchPixel = (url: string, userAgent: string) => fetch(url, { headers: { 'user-agent': userAgent } });
    // A reader who chose "don't track my clicks" gets no pixel either.
    expect(pixel(optedOut.email)).toBeUndefined();

    // Seconds after sending, the mail provider fetches the image itself: a machine, whatever its user agent.
    const [{ sent_at: sentAt }] = await ds.query(
      `SELECT max(sent_at) AS sent_at FROM deliveries WHERE edition_id = $1`,
      [edition],
    );
    await ds.query(`UPDATE subscribers SET last_engaged_at = NULL`);
    clock.set(new Date(new Date(sentAt).getTime() + 2_000));
    const early = await fetchPixel(pixel(prefetched.email)!, BROWSER);
    expect(early.status).toBe(200);
    expect(early.headers.get('content-type')).toBe('image/gif');

    // An hour later: the reader opens it on their phone; a Gmail proxy fetches another reader's copy.
    clock.set(new Date(new Date(sentAt).getTime() + 3600_000));
    expect((await fetchPixel(pixel(reader.email)!, BROWSER)).status).toBe(200);
    expect((await fetchPixel(pixel(reader.email)!, BROWSER)).status).toBe(200);
    expect((await fetchPixel(pixel(proxied.email)!, GMAIL_PROXY)).status).toBe(200);
    // A made-up pixel: 404, nothing recorded.
    expect((await fetchPixel(`${t.baseUrl}/o/AAAAAAAAAAAAAAAAAAAAAAAAAAA.gif`, BROWSER)).status).toBe(404);

    const stats = await (
      await fetch(`${t.baseUrl}/admin/digests/${edition}/stats`, { headers: { Authorization: t.editorAuth } })
    ).json();
    expect(stats.opens).toEqual({ readers: 1, machineOnly: 2, rate: 1 / 4 });
    const rows = await ds.query(
      `SELECT subscriber_id, opened_at IS NOT NULL AS reader, machine_opened_at IS NOT NULL AS machine FROM opens ORDER BY subscriber_id`,
    );
    // Only the reader's own open counts as engagement (the sunset rule reads it); machines' fetches do not.
    const engaged = await ds.query(`SELECT id, last_engaged_at FROM subscribers WHERE last_engaged_at IS NOT NULL`);
    expect(engaged).toEqual([{ id: reader.id, last_engaged_at: new Date(new Date(sentAt).getTime() + 3600_000) }]);
    expect(rows).toEqual([
      { subscriber_id: reader.id, reader: true, machine: false },
      { subscriber_id: prefetched.id, reader: false, machine: true },
      { subscriber_id: proxied.id, reader: false, machine: true },
    ]);
  });
});
