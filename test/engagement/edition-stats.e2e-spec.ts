import request from 'supertest';
import { insertReaders } from '../factories/readers';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { clickLinks, follow, insertStories, sendEdition } from './engagement-fixtures';

const READERS = 200;
// The script: reader i follows story 1 when i is even, story 2 when i is a multiple of 5, story 3 of 7.
const SCRIPT: Array<(i: number) => boolean> = [(i) => i % 2 === 0, (i) => i % 5 === 0, (i) => i % 7 === 0];

describe("An edition's stats after 200 readers clicked what a script told them to", () => {
  const suite = appWithSmtpSink();

  it('gives delivered, unique clickers, click rate, clicks over time and per-article ranks equal to the script', async () => {
    const { t, sink } = suite;
    const readers = await insertReaders(t.dataSource, { count: READERS, prefix: 'stats-' });
    const urls = [1, 2, 3].map((n) => `https://www.example.net/2026/11/story-${n}/`);
    const articles = await insertStories(t.dataSource, urls);
    const edition = await sendEdition(t, articles);

    const clicked = new Set<number>();
    const perStory = [0, 0, 0];
    for (const [i, reader] of readers.entries()) {
      const [message] = sink.to(reader.email);
      const links = clickLinks(message);
      expect(links).toHaveLength(3);
      for (const story of [0, 1, 2]) {
        if (SCRIPT[story](i)) {
          // Some readers click twice: still one click.
          for (let n = 0; n < (i % 3 === 0 ? 2 : 1); n++) {
            expect((await follow(links[story])).location).toContain(urls[story]);
          }
          clicked.add(i);
          perStory[story]++;
        }
      }
    }

    const res = await fetch(`${t.baseUrl}/admin/digests/${edition}/stats`, {
      headers: { Authorization: t.editorAuth },
    });
    expect(res.status).toBe(200);
    const stats = await res.json();
    expect(stats.delivered).toBe(READERS);
    expect(stats.uniqueClickers).toBe(clicked.size);
    expect(stats.clickRate).toBeCloseTo(clicked.size / READERS, 6);
    expect(stats.opens).toBeUndefined();
    expect(stats.articles.map((a: { articleId: string; clicks: number; rank: number; position: number }) => a)).toEqual(
      [0, 1, 2]
        .sort((a, b) => perStory[b] - perStory[a])
        .map((story, rank) => ({
          articleId: articles[story],
          title: expect.stringContaining('قصة رقم'),
          position: story + 1,
          clicks: perStory[story],
          rank: rank + 1,
        })),
    );
    // Every click happened within the first hours of sending.
    expect(stats.clicksByHour).toHaveLength(48);
    expect(stats.clicksByHour.reduce((a: number, b: number) => a + b, 0)).toBe(perStory.reduce((a, b) => a + b));

    // Per topic over 30 days: the three stories share one topic.
    const topics = await (
      await fetch(`${t.baseUrl}/admin/engagement/topics`, { headers: { Authorization: t.editorAuth } })
    ).json();
    expect(topics.topics).toEqual([
      { topic: expect.any(String), name: 'العراق', clicks: perStory.reduce((a, b) => a + b), readers: clicked.size },
    ]);

    // Unknown and malformed editions: 404 and 400, never a 500.
    for (const [id, status] of [
      ['999999', 404],
      ['abc', 400],
    ] as const) {
      const answer = await fetch(`${t.baseUrl}/admin/digests/${id}/stats`, {
        headers: { Authorization: t.editorAuth },
      });
      expect(answer.status).toBe(status);
    }
    expect((await fetch(`${t.baseUrl}/admin/digests/${edition}/stats`)).status).toBe(401);

    // The newsroom shows the same figures: the edition's page (table and hourly chart) and the dashboard.
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    const agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const page = (await agent.get(`/admin/editions/${edition}`).expect(200)).text;
    expect(page).toContain(`<dd data-count="clickers">${clicked.size}</dd>`);
    // The chart runs up to the last hour with a click.
    const hourly = JSON.parse(
      /<script type="application\/json" id="clicks-chart-data">(.*?)<\/script>/s.exec(page)![1],
    );
    expect([...hourly.values, ...Array(48 - hourly.values.length).fill(0)]).toEqual(stats.clicksByHour);
    expect(hourly.values.at(-1)).toBeGreaterThan(0);
    const rows = [
      ...page.matchAll(
        /<tr data-article="\d+"><td class="num">(\d+)<\/td><td>قصة رقم (\d) [^<]*<\/td><td class="num" data-count="clicks">(\d+)<\/td><\/tr>/g,
      ),
    ];
    expect(rows.map((r) => [Number(r[1]), Number(r[2]), Number(r[3])])).toEqual(
      stats.articles.map((a: { rank: number; position: number; clicks: number }) => [a.rank, a.position, a.clicks]),
    );
    const history = (await agent.get('/admin/editions').expect(200)).text;
    expect(history).toContain(`<td data-count="clickers">${clicked.size} <span class="muted" dir="ltr">(`);
    const dashboard = (await agent.get('/admin').expect(200)).text;
    const topicChart = /<script type="application\/json" id="topics-chart-data">(.*?)<\/script>/s.exec(dashboard)![1];
    expect(JSON.parse(topicChart)).toMatchObject({ labels: ['العراق'], values: [perStory.reduce((a, b) => a + b)] });
    await agent.get('/admin/assets/engagement-charts.js').expect(200);
  });
});
