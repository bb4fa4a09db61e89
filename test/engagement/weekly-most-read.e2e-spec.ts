import { insertReaders } from '../factories/readers';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { waitFor } from '../helpers/wait-for';
import { clickLinks, follow, insertStories, sendEdition } from './engagement-fixtures';

describe('The weekly edition leads with the week’s most-read story', () => {
  const suite = appWithSmtpSink({ env: { DIGITS: 'arabic' } });

  it('orders the weekly by readers who clicked in the three dailies, and says so above the lead', async () => {
    const { t, sink } = suite;
    const ds = t.dataSource;
    const daily = await insertReaders(ds, { count: 8, prefix: 'week-daily-' });
    const [weekly] = await insertReaders(ds, { count: 1, prefix: 'week-weekly-', frequency: 'weekly' });
    // Stories 1…5, story 1 the newest.
    const urls = [1, 2, 3, 4, 5].map((n) => `https://www.example.net/2026/11/week-story-${n}/`);
    const stories = await insertStories(ds, urls);
    const hour = 3600_000;
    const now = Date.now();
    const editions = [
      await sendEdition(t, [stories[0], stories[1]], { windowTo: new Date(now - 50 * hour) }),
      await sendEdition(t, [stories[2], stories[3]], { windowTo: new Date(now - 26 * hour) }),
      await sendEdition(t, [stories[4]], { windowTo: new Date(now - 2 * hour) }),
    ];
    expect(editions).toHaveLength(3);

    // Story 4 is followed by 6 readers, story 1 by 3, story 5 by 1; stories 2 and 3 by nobody.
    const clicks: Array<[story: number, readers: number]> = [
      [4, 6],
      [1, 3],
      [5, 1],
    ];
    const position = (story: number) => (story <= 2 ? story - 1 : story <= 4 ? story - 3 : 0);
    const message = (email: string, story: number) =>
      sink.to(email).find((m) => (m.parsed.html as string).includes(`قصة رقم ${story} `));
    for (const [story, count] of clicks) {
      for (const reader of daily.slice(0, count)) {
        const mail = message(reader.email, story);
        expect(mail).toBeDefined();
        const answer = await follow(clickLinks(mail!)[position(story)]);
        expect(answer.location).toContain(`week-story-${story}/`);
      }
    }

    const created = await fetch(`${t.baseUrl}/admin/digests`, {
      method: 'POST',
      headers: { Authorization: t.editorAuth, 'content-type': 'application/json' },
      body: JSON.stringify({ frequency: 'weekly' }),
    });
    expect(created.status).toBe(201);
    await waitFor(
      async () => sink.to(weekly.email).length,
      (n) => n === 1,
      60_000,
      'weekly edition received',
    );
    const html = sink.to(weekly.email)[0].parsed.html as string;
    const order = [...html.matchAll(/قصة رقم (\d) /g)].map((m) => Number(m[1]));
    expect([...new Set(order)]).toEqual([4, 1, 5, 2, 3]);
    // Above the lead: «الأكثر قراءة هذا الأسبوع» and how many read it, in the publication's Arabic digits.
    expect(html).toContain('الأكثر قراءة هذا الأسبوع');
    expect(html).toContain('قرأه ٦ قرّاء من النشرة');
    expect(html.split('الأكثر قراءة هذا الأسبوع')).toHaveLength(2);
  });
});
