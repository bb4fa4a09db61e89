import { TemplateRenderer } from '../../src/common/template-renderer';
import { EditionRenderer } from '../../src/digests/edition-renderer';
import { insertArticle } from '../factories/articles';
import { insertEdition, insertSeedArticle } from '../factories/editions';
import { startTestApp, TestApp } from '../helpers/test-app';

/** Every <table> and <td> start tag of the HTML, those inside Outlook's `<!--[if mso]>` comments included. */
function tablesAndCells(html: string): string[] {
  return [...html.matchAll(/<(?:table|td)\b[^>]*>/gi)].map((m) => m[0]);
}

function withoutRtl(html: string): string[] {
  return tablesAndCells(html).filter(
    (tag) =>
      !/\sdir="rtl"/.test(tag) ||
      !/style="[^"]*direction:rtl/.test(tag) ||
      (tag.startsWith('<td') && !/text-align:|\salign="/.test(tag)),
  );
}

describe('Outlook-safe direction: dir="rtl" on every table and cell of the emails', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the compiled digest has no table or cell without dir="rtl" and direction:rtl, nor a cell without alignment', async () => {
    const seed = await insertSeedArticle(t.dataSource);
    const other = await insertArticle(t.dataSource, {
      title: 'تقرير Human Rights Watch عن العراق',
      imageUrl: 'https://www.example.net/wp-content/uploads/2026/11/hrw.jpg',
    });
    const edition = await insertEdition(t.dataSource, { articleIds: [seed.id, other.id] });
    const { html } = await t.get(EditionRenderer).renderForSegment(edition.id, 'all');
    expect(tablesAndCells(html).length).toBeGreaterThan(20);
    expect(html).toContain('<!--[if mso | IE]><table dir="rtl"');
    expect(withoutRtl(html)).toEqual([]);
  });

  it('the confirmation email has no table or cell without it either', async () => {
    const { html } = await t.get(TemplateRenderer).renderEmail('confirm', {
      subject: 'أكّد اشتراكك',
      preheader: 'خطوة أخيرة',
      confirmUrl: 'http://127.0.0.1/subscriptions/confirm?token=abc',
      hours: 48,
    });
    expect(tablesAndCells(html).length).toBeGreaterThan(5);
    expect(withoutRtl(html)).toEqual([]);
  });

  it('keeps the centred confirmation button centred', async () => {
    const { html } = await t.get(TemplateRenderer).renderEmail('confirm', {
      subject: 's',
      confirmUrl: 'http://127.0.0.1/x',
      hours: 48,
    });
    const buttonCell = tablesAndCells(html).find((tag) => /align="center"/.test(tag));
    expect(buttonCell).toBeDefined();
    expect(buttonCell).not.toContain('text-align:right');
  });
});
