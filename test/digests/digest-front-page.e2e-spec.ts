import request from 'supertest';
import { DataSource } from 'typeorm';
import { EditionRenderer } from '../../src/digests/edition-renderer';
import { seedArticleHashtags } from '../factories/articles';
import { insertEdition, insertSeedArticle } from '../factories/editions';
import { startTestApp, TestApp } from '../helpers/test-app';

/** The topic names shown under each article of the digest's HTML, read from its `topics` cells. */
function topicLines(html: string): string[][] {
  return [...html.matchAll(/class="topics"[\s\S]*?<div[^>]*>([\s\S]*?)<\/div>/g)].map((m) =>
    m[1]
      .replace(/<[^>]+>/g, '')
      .split(' · ')
      .map((s) => s.trim()),
  );
}

describe('Digest front page', () => {
  let t: TestApp;
  let ds: DataSource;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    ds = t.dataSource;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('topics', () => {
    it('names a topic by its most common clean spelling, preferring hamza forms, whatever came first', async () => {
      const bodies = ['#ايران و #ســوريا', '#ايران و #سوريا', '#إيران و #سوريا'];
      for (const [i, body] of bodies.entries()) {
        const res = await request(t.baseUrl)
          .post('/admin/articles')
          .set('Authorization', t.editorAuth)
          .send({ url: `https://www.example.net/names-${i}/`, title: `خبر ${i}`, bodyHtml: `<p>${body}</p>` })
          .expect(200);
        expect(res.body).toMatchObject({ created: 1 });
      }
      const names: { key: string; name: string }[] = await ds.query(
        `SELECT key, name FROM topics WHERE key IN ('ايران', 'سوريا') ORDER BY key`,
      );
      expect(names).toEqual([
        { key: 'ايران', name: 'إيران' },
        { key: 'سوريا', name: 'سوريا' },
      ]);
    });

    it('the seed article, with every one of its hashtags, shows at most 3 topics; the text part separates them by « · »', async () => {
      const hashtags = seedArticleHashtags();
      expect(hashtags.length).toBeGreaterThan(20);
      const seed = await insertSeedArticle(ds, { topics: hashtags });
      const edition = await insertEdition(ds, { articleIds: [seed.id] });
      const { html, text } = await t.get(EditionRenderer).renderForSegment(edition.id, 'all');
      const lines = topicLines(html);
      expect(lines).toHaveLength(1);
      expect(lines[0].length).toBeGreaterThan(1);
      expect(lines[0].length).toBeLessThanOrEqual(3);
      expect(text).toContain(lines[0].join(' · '));
      expect(lines[0][0]).toBe(hashtags[0].replace(/_/g, ' '));
    });
  });
});
