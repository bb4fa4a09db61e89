import request from 'supertest';
import { DataSource } from 'typeorm';
import { EditionRenderer } from '../../src/digests/edition-renderer';
import { insertArticle } from '../factories/articles';
import { insertEdition } from '../factories/editions';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('Public digest pages: view in browser, archive, RSS', () => {
  let t: TestApp;
  let ds: DataSource;
  const sent: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    ds = t.dataSource;
    const article = await insertArticle(ds, { title: 'خبر الأرشيف عن Human Rights Watch' });
    // 22 editions that went out (more than a page), and one draft the public must not see.
    for (let i = 0; i < 22; i++) {
      const edition = await insertEdition(ds, {
        articleIds: [article.id],
        status: 'sent',
        subject: `العدد رقم ${i + 1}`,
        windowTo: new Date(Date.UTC(2026, 9, 1 + i, 4)),
      });
      sent.push(edition.id);
    }
    await t.get(EditionRenderer).renderForSegment(sent[sent.length - 1], 'all');
    await ds.query(`UPDATE editions SET html = '<html></html>' WHERE html IS NULL`);
    const draft = await insertEdition(ds, { articleIds: [article.id], subject: 'مسودة سرية' });
    await ds.query(`UPDATE editions SET html = '<html></html>' WHERE id = $1`, [draft.id]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('/digests/:id shows the edition with a subscribe box and a canonical link, no personal links', async () => {
    const id = sent[sent.length - 1];
    const res = await request(t.baseUrl).get(`/digests/${id}`).expect(200);
    expect(res.text).toContain(`<link rel="canonical" href="${t.baseUrl}/digests/${id}">`);
    expect(res.text).toMatch(new RegExp(`<form method="post" action="${t.baseUrl}/subscriptions"`));
    expect(res.text).toContain('type="email" name="email"');
    expect(res.text).toContain('هذه نسخة الويب من نشرة');
    expect(res.text).not.toContain('وصلتك هذه الرسالة لأنك مشترك');
    expect(res.text).not.toContain('تعديل الاشتراك');
    expect(res.text).not.toContain('NASHRA-');
    expect(res.text).toContain(`href="${t.baseUrl}/digests"`);
  });

  it('/digests lists past editions newest first, 20 a page, with a link to older ones', async () => {
    const first = await request(t.baseUrl).get('/digests').expect(200);
    expect(first.text).toContain(`<link rel="canonical" href="${t.baseUrl}/digests">`);
    const subjects = [...first.text.matchAll(/>(العدد رقم \d+)</g)].map((m) => m[1]);
    expect(subjects).toHaveLength(20);
    expect(subjects[0]).toBe('العدد رقم 22');
    expect(subjects[19]).toBe('العدد رقم 3');
    expect(first.text).not.toContain('مسودة سرية');
    const older = /href="([^"]*\/digests\?before(?:=|&#x3D;)\d+)"/.exec(first.text)![1].replace('&#x3D;', '=');
    const second = await request(t.baseUrl)
      .get(new URL(older).pathname + new URL(older).search)
      .expect(200);
    expect([...second.text.matchAll(/>(العدد رقم \d+)</g)].map((m) => m[1])).toEqual(['العدد رقم 2', 'العدد رقم 1']);
    await request(t.baseUrl).get('/digests?before=abc').expect(200);
  });

  it('/digests/feed.xml is an RSS feed of the latest editions', async () => {
    const res = await request(t.baseUrl).get('/digests/feed.xml').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/rss\+xml/);
    const items = [...res.text.matchAll(/<item><title>([^<]+)<\/title><link>([^<]+)<\/link>/g)];
    expect(items).toHaveLength(20);
    expect(items[0][1]).toBe('العدد رقم 22');
    expect(items[0][2]).toBe(`${t.baseUrl}/digests/${sent[21]}`);
    expect(res.text).not.toContain('مسودة سرية');
  });
});
