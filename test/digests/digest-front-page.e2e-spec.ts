import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { EditionRenderer } from '../../src/digests/edition-renderer';
import { insertArticle, seedArticleHashtags, seedArticleParagraphs } from '../factories/articles';
import { insertEdition, insertSeedArticle, SEED_ARTICLE_TITLE } from '../factories/editions';
import { PROJECT_ROOT } from '../helpers/app-process';
import { launchBrowser } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';

const LOGO_URL = 'https://www.example.net/wp-content/themes/news/logo.png';
const POSTAL_ADDRESS = 'شارع المتنبي 12، بغداد، العراق';

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
    t = await startTestApp({ env: { NASHRA_ROLE: 'web', LOGO_URL, POSTAL_ADDRESS } });
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
      expect(hashtags.map((h) => h.replace(/_/g, ' '))).toEqual(expect.arrayContaining(lines[0]));
    });
  });

  describe('ten seed-like articles', () => {
    let html: string;
    let text: string;
    let subject: string;

    beforeAll(async () => {
      const paragraphs = seedArticleParagraphs();
      const ids: string[] = [];
      ids.push(
        (
          await insertSeedArticle(ds, {
            url: 'https://www.example.net/lead-story/',
            author: 'فريق التحرير',
            publishedAt: '2026-11-24T03:40:00Z',
            topics: seedArticleHashtags(),
          })
        ).id,
      );
      for (let i = 1; i < 10; i++) {
        const article = await insertArticle(ds, {
          title: `#العراق: تقرير رقم ${i} عن Human Rights Watch و«الحشد الشعبي» في #صلاح_الدين`,
          summary: paragraphs[(i % (paragraphs.length - 1)) + 1],
          author: i % 2 ? 'مراسل الحل نت في بغداد' : null,
          imageUrl: `https://www.example.net/wp-content/uploads/2026/11/story-${i}.jpg`,
          topics: seedArticleHashtags().slice(i, i + 6),
          publishedAt: `2026-11-24T0${i % 10}:15:00Z`,
        });
        ids.push(article.id);
      }
      const edition = await insertEdition(ds, {
        articleIds: ids,
        frequency: 'weekly',
        windowFrom: '2026-11-17T04:00:00Z',
        windowTo: '2026-11-24T04:00:00Z',
      });
      ({ html, text, subject } = await t.get(EditionRenderer).renderForSegment(edition.id, 'all'));
    });

    it('stays under Gmail’s 102 KiB clipping limit', () => {
      expect(Buffer.byteLength(html, 'utf8')).toBeLessThan(102 * 1024);
    });

    it('opens with a masthead: logo, publication name, the edition’s date in the site’s month names', () => {
      const masthead = html.slice(0, html.indexOf('https://www.example.net/lead-story/'));
      expect(masthead).toContain(`src="${LOGO_URL}"`);
      expect(masthead).toContain('الحل نت');
      expect(masthead).toContain('الثلاثاء، 24 تشرين الثاني 2026');
    });

    it('draws each story’s divider once across the whole row, in a colour dark mode replaces', () => {
      // Per-column borders stepped at the height of each column; one border on the story's section does not.
      expect(html.match(/class="card divided"/g)?.length).toBe(10);
      expect(html.match(/border-bottom:1px solid #e8ebef/g)?.length).toBe(10);
      expect(html).toMatch(/prefers-color-scheme: dark\)[\s\S]*\.divided td \{ border-color: #30363d !important; \}/);
    });

    it('names the week in a weekly subject', () => {
      expect(subject).toContain('17 – 24 تشرين الثاني 2026');
    });

    it('shows the lead story first with its picture large, then the others compact with author and time', () => {
      const lead = html.indexOf(SEED_ARTICLE_TITLE, html.indexOf('https://www.example.net/lead-story/'));
      expect(lead).toBeGreaterThan(-1);
      expect(html.indexOf('تقرير رقم 1', lead)).toBeGreaterThan(lead);
      expect(html).toContain('فريق التحرير · ');
      // A weekly's articles span seven days: each shows its day with the time.
      expect(html).toMatch(/مراسل الحل نت في بغداد · الثلاثاء 24 تشرين الثاني، \d\d:\d\d/);
      // The lead's picture spans the column; the others' are small.
      const leadImg = /<img[^>]*hasakah-water\.jpg[^>]*>/.exec(html)![0];
      const smallImg = /<img[^>]*story-1\.jpg[^>]*>/.exec(html)![0];
      expect(Number(/width="(\d+)"/.exec(leadImg)![1])).toBeGreaterThan(500);
      expect(Number(/width="(\d+)"/.exec(smallImg)![1])).toBeLessThan(200);
    });

    it('drops the # of hashtags in titles, like summaries', () => {
      expect(html).not.toMatch(/#العراق|#صلاح_الدين/);
      expect(text).not.toMatch(/#[\p{L}]/u);
    });

    it('ends with a footer: why the reader gets it, preferences, unsubscribe, view in browser, postal address', () => {
      const footer = html.slice(html.lastIndexOf('تقرير رقم 9'));
      expect(footer).toContain('وصلتك هذه الرسالة لأنك مشترك');
      expect(footer).toContain('تعديل الاشتراك');
      expect(footer).toContain('إلغاء الاشتراك');
      expect(footer).toContain('عرض في المتصفح');
      expect(footer).toContain(POSTAL_ADDRESS);
      expect(text).toContain(POSTAL_ADDRESS);
    });

    it('opens the plain text with the masthead, not the preheader, and turns no picture into a bare URL line', () => {
      expect(text.trimStart().startsWith('الحل نت')).toBe(true);
      expect(text).not.toMatch(/^\s*\[?https?:\/\/\S+\.(jpg|png)\]?\s*$/m);
    });

    it('is saved as screenshots at 375 px and 600 px for the README', async () => {
      const browser = await launchBrowser();
      try {
        const dir = join(PROJECT_ROOT, 'test', 'screenshots');
        mkdirSync(dir, { recursive: true });
        for (const width of [375, 600]) {
          const page = await browser.newPage({ viewport: { width, height: 900 } });
          // Pictures of the example site do not exist here: grey boxes of their size stand in.
          await page.route('**/*', (route) =>
            route.request().url().startsWith('data:')
              ? route.continue()
              : route.fulfill({ status: 200, contentType: 'image/svg+xml', body: PLACEHOLDER_SVG }),
          );
          await page.setContent(html, { waitUntil: 'load' });
          const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
          expect(overflow).toBeLessThanOrEqual(0);
          await page.screenshot({ path: join(dir, `digest-${width}.png`), fullPage: true });
          await page.close();
        }
      } finally {
        await browser.close();
      }
    });
  });
});

const PLACEHOLDER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675" viewBox="0 0 1200 675">' +
  '<rect width="1200" height="675" fill="#c9d1d9"/></svg>';
