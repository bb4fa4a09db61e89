import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readersCsv } from '../factories/reader-csv';
import { launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');

/**
 * An editor imports a 2,000-row CSV with 20 bad rows through the import screen in Chromium: progress appears
 * without a reload, the report gives 1,980 new pending readers and the 20 line numbers, each new reader's
 * confirmation email reaches the SMTP server, and the same file again adds nobody.
 */
describe('Newsroom: importing readers from a CSV in Chromium', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url } });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  async function importFile(page: Page, name: string, text: string): Promise<Record<string, number>> {
    await page.goto(`${t.baseUrl}/admin/readers/import`);
    await page.setInputFiles('input[name=file]', { name, mimeType: 'text/csv', buffer: Buffer.from(text) });
    await page.getByRole('button', { name: 'استورد' }).click();
    // htmx swaps the progress card in and polls it until the import is over; the page never reloads.
    const card = page.locator('.import-progress[data-status="done"]');
    await card.waitFor({ timeout: 240_000 });
    expect(new URL(page.url()).pathname).toBe('/admin/readers/import');
    const counts: Record<string, number> = {};
    for (const dd of await card.locator('dd[data-count]').all()) {
      counts[(await dd.getAttribute('data-count'))!] = Number.parseInt((await dd.innerText()).trim(), 10);
    }
    return counts;
  }

  it('imports 1,980 pending readers with confirmation emails, reports the 20 bad lines, and adds nothing twice', async () => {
    const csv = readersCsv('browser', 2000, 20);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ar' });
    try {
      const page = await context.newPage();
      await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
      sink.clear();
      const first = await importFile(page, 'قائمة القراء.csv', csv.text);
      expect(first).toMatchObject({
        rows: 2000,
        pending: 1980,
        active: 0,
        existing: 0,
        suppressed: 0,
        bad: 20,
        mailed: 1980,
      });
      const lines = await page.locator('table.bad-rows tbody tr td:first-child').allInnerTexts();
      expect(lines.map(Number)).toEqual(csv.badLines);
      await sink.waitForMessages(1980, 120_000);
      expect(new Set(sink.messages.flatMap((m) => m.to)).size).toBe(1980);
      const [{ pending }] = (await t.dataSource.query(
        `SELECT count(*)::int AS pending FROM subscribers WHERE status = 'pending' AND email_key LIKE '%@browser.example.net'`,
      )) as Array<{ pending: number }>;
      expect(pending).toBe(1980);

      sink.clear();
      const second = await importFile(page, 'قائمة القراء.csv', csv.text);
      expect(second).toMatchObject({ pending: 0, existing: 1980, bad: 20, mailed: 0 });
      expect(sink.messages).toHaveLength(0);
      const audit = (await t.dataSource.query(
        `SELECT actor, detail FROM audit_log WHERE action = 'readers.import' ORDER BY id`,
      )) as Array<{ actor: string; detail: { file: string } }>;
      expect(audit).toEqual([
        expect.objectContaining({
          actor: DEFAULT_EDITOR.email,
          detail: expect.objectContaining({ file: 'قائمة القراء.csv' }),
        }),
        expect.objectContaining({ actor: DEFAULT_EDITOR.email }),
      ]);
    } finally {
      await context.close();
    }
  }, 600_000);

  it('shows the readers list at 375 px without sideways scrolling', async () => {
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT, locale: 'ar' });
    try {
      const page = await context.newPage();
      await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
      await page.goto(`${t.baseUrl}/admin/readers?q=reader199`);
      expect(await page.getAttribute('html', 'dir')).toBe('rtl');
      // Newest first: the last row of the file heads the list.
      await page.getByRole('link', { name: 'reader1999@browser.example.net' }).waitFor();
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SCREENSHOTS, 'readers-375.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});
