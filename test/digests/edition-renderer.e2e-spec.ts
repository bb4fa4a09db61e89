import type { Article } from '../../src/articles/article.entity';
import { DataSource } from 'typeorm';
import { READER_PLACEHOLDERS, personalise } from '../../src/common/reader-placeholders';
import { TemplateRenderer } from '../../src/common/template-renderer';
import { EditionRenderer } from '../../src/digests/edition-renderer';
import { Edition } from '../../src/digests/edition.entity';
import { FIXTURE_ARTICLE_LINK, insertArticle } from '../factories/articles';
import { insertEdition, insertFixtureArticle, FIXTURE_ARTICLE_TITLE, squash } from '../factories/editions';
import { startTestApp, TestApp } from '../helpers/test-app';

const mjml2html = require('mjml') as (input: string, options: object) => Promise<{ html: string; errors: unknown[] }>;

const UNTRACKED = { CLICK_TRACKING: 'off', UTM_TAGS: 'off' };

describe('EditionRenderer', () => {
  let t: TestApp;
  let ds: DataSource;
  let renderer: EditionRenderer;
  let templates: TemplateRenderer;

  beforeAll(async () => {
    // Articles as they are linked without engagement (tracked links and UTM tags: test/engagement/).
    t = await startTestApp({ env: { NASHRA_ROLE: 'web', ...UNTRACKED } });
    ds = t.dataSource;
    renderer = t.get(EditionRenderer);
    templates = t.get(TemplateRenderer);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('an edition built from the fixture article', () => {
    let edition: Edition;
    let html: string;
    let text: string;
    let latin: Article;
    let hostile: Article;

    beforeAll(async () => {
      const fixture = await insertFixtureArticle(ds);
      latin = await insertArticle(ds, {
        title: 'تقرير جديد لمنظمة Human Rights Watch عن العراق',
        summary: 'نشرت المنظمة تقريرها على https://www.hrw.org/ar اليوم.',
      });
      hostile = await insertArticle(ds, { title: '<script>alert("x")</script> عنوان خبيث', summary: '' });
      edition = await insertEdition(ds, { articleIds: [fixture.id, latin.id, hostile.id] });
      ({ html, text } = await renderer.renderForSegment(edition.id, 'all'));
    });

    it('puts dir="rtl" and lang="ar" on <html> and aligns text right', () => {
      const htmlTag = /<html[^>]*>/.exec(html)![0];
      expect(htmlTag).toContain('dir="rtl"');
      expect(htmlTag).toContain('lang="ar"');
      // Every block of text (MJML's own column wrappers have font-size 0 and hold no text) is right-aligned,
      // apart from the centred footer lines.
      const aligns = [...html.matchAll(/<div style="font-family:[^"]*?text-align:(\w+)/g)].map((m) => m[1]);
      expect(aligns.filter((a) => a === 'right').length).toBeGreaterThanOrEqual(6);
      expect(aligns.filter((a) => a !== 'right' && a !== 'center')).toEqual([]);
    });

    it('shows titles as text: linked to the article, markup escaped, Latin runs kept left-to-right', () => {
      expect(html).toContain(FIXTURE_ARTICLE_TITLE);
      expect(html).not.toContain('<script>alert');
      expect(html).toContain('&lt;script&gt;');
      expect(html).toContain('<span dir="ltr">Human Rights Watch</span>');
      expect(html).toContain('<span dir="ltr">https://www.hrw.org/ar</span>');
      expect(html).toContain(`href="${latin.url}"`);
    });

    it('shows the summary without a single # hashtag marker, and topics as names', () => {
      const summaryStart = html.indexOf('وقال مسؤول');
      expect(summaryStart).toBeGreaterThan(-1);
      const summary = html.slice(summaryStart, html.indexOf('</div>', summaryStart));
      expect(summary).toContain('أزمة المياه في الحسكة');
      expect(summary).not.toContain('#');
      expect(text).not.toMatch(/#[\p{L}]/u);
      // Topics are names (no `_`, no `#`) on one line, joined by « · ».
      expect(html).toMatch(/class="topics"[^>]*>\s*<div[^>]*>[^<#_]+( · [^<#_]+)*<\/div>/);
    });

    it('shows the edition date in Arabic with Latin digits', () => {
      expect(html).toContain('الثلاثاء، 24 تشرين الثاني 2026');
    });

    it('is strict-clean MJML: the filled template has no validation errors at all', async () => {
      const spy = jest.spyOn(templates, 'compileMjml');
      try {
        await renderer.compose({
          frequency: 'daily',
          subject: 'موضوع',
          preheader: 'سطر المعاينة',
          date: new Date(),
          articles: await renderer.articlesInOrder(edition.articleIds),
          viewInBrowserUrl: 'https://example.net/digests/1',
        });
        const mjml = spy.mock.calls[0][0];
        expect(mjml).toContain('<mjml lang="ar" dir="rtl">');
        const soft = await mjml2html(mjml, { validationLevel: 'soft' });
        expect(soft.errors).toEqual([]);
      } finally {
        spy.mockRestore();
      }
    });

    it('carries every title and link in the text part, and the reader placeholders in both parts', () => {
      // Latin runs sit between Unicode isolates in the text part, as in spans in the HTML, held on one line by
      // no-break spaces.
      expect(text).toContain('\u2066Human\u00a0Rights\u00a0Watch\u2069');
      const flat = squash(text).replace(/[\u2066-\u2069]/g, '');
      for (const title of [FIXTURE_ARTICLE_TITLE, 'تقرير جديد لمنظمة Human Rights Watch عن العراق']) {
        expect(flat).toContain(title);
      }
      expect(flat).toContain('<script>alert("x")</script> عنوان خبيث');
      for (const url of [latin.url, hostile.url, FIXTURE_ARTICLE_LINK]) {
        expect(flat).toContain(url);
      }
      for (const part of [html, text]) {
        expect(part).toContain(READER_PLACEHOLDERS.unsubscribeUrl);
        expect(part).toContain(READER_PLACEHOLDERS.preferencesUrl);
      }
      expect(flat).toContain(renderer.viewInBrowserUrl(edition.id));
    });

    it('stores the full render on the edition row', async () => {
      const row = await ds.getRepository(Edition).findOneByOrFail({ id: edition.id });
      expect(row.html).toBe(html);
      expect(row.text).toBe(text);
    });
  });

  it('compiles once per (edition, segment) however many workers ask at once, and personalises by substitution', async () => {
    const a = await insertArticle(ds, { title: 'الأول' });
    const b = await insertArticle(ds, { title: 'الثاني' });
    const edition = await insertEdition(ds, { articleIds: [b.id, a.id] });
    const before = templates.mjmlCompilations;
    const renders = await Promise.all(Array.from({ length: 20 }, () => renderer.renderForSegment(edition.id, 'all')));
    expect(templates.mjmlCompilations).toBe(before + 1);
    expect(new Set(renders.map((r) => r.id)).size).toBe(1);
    const readers = ['1', '2'].map((id) =>
      personalise(renders[0].html, {
        unsubscribeUrl: `https://n.test/u?token=${id}`,
        preferencesUrl: `https://n.test/p?token=${id}`,
      }),
    );
    expect(readers[0]).toContain('https://n.test/u?token=1');
    expect(readers[0]).not.toContain('token=2');
    expect(readers[1]).toContain('https://n.test/u?token=2');
    expect(templates.mjmlCompilations).toBe(before + 1);
  });

  it('renders a topic segment with only its articles, in edition order, shared through the database', async () => {
    const a = await insertArticle(ds, { title: 'مقال عن بغداد' });
    const b = await insertArticle(ds, { title: 'مقال عن أربيل' });
    const c = await insertArticle(ds, { title: 'مقال عن كركوك' });
    const edition = await insertEdition(ds, { articleIds: [c.id, a.id, b.id] });
    const [low, high] = [a.id, c.id].sort((x, y) => Number(x) - Number(y));
    const segment = await renderer.renderForSegment(edition.id, `${low},${high}`);
    expect(segment.articleIds).toEqual([c.id, a.id]);
    expect(segment.html).toContain('كركوك');
    expect(segment.html).toContain('بغداد');
    expect(segment.html).not.toContain('أربيل');
    expect(segment.html.indexOf('كركوك')).toBeLessThan(segment.html.indexOf('بغداد'));
    const rows = await ds.query('SELECT count(*)::int AS n FROM edition_renders WHERE edition_id = $1', [edition.id]);
    expect(rows[0].n).toBe(1);

    // Another process (here: a second app on the same database) reuses the stored render without compiling.
    const other = await startTestApp({ database: t.database, env: { NASHRA_ROLE: 'web', ...UNTRACKED } });
    try {
      const otherTemplates = other.get(TemplateRenderer);
      const before = otherTemplates.mjmlCompilations;
      const again = await other.get(EditionRenderer).renderForSegment(edition.id, `${low},${high}`);
      expect(again.id).toBe(segment.id);
      expect(otherTemplates.mjmlCompilations).toBe(before);
    } finally {
      await other.close();
    }
  });

  it('refuses a segment with articles that are not in the edition', async () => {
    const a = await insertArticle(ds);
    const stranger = await insertArticle(ds);
    const edition = await insertEdition(ds, { articleIds: [a.id] });
    await expect(renderer.renderForSegment(edition.id, stranger.id)).rejects.toThrow(/not in edition/);
  });
});
