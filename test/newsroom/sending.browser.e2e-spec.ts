import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { EditionsService } from '../../src/digests/editions.service';
import { insertReader, insertReaders, waitFor } from '../delivery/ledger-fixtures';
import { clickLinks, follow } from '../engagement/engagement-fixtures';
import { insertArticle } from '../factories/articles';
import { insertFixtureArticle } from '../factories/editions';
import { launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');
const BATCH = 10;
const DESKTOP = { width: 1280, height: 900 };
// Read in the page (the test's TypeScript has no DOM types).
const BAR_FULL = `document.querySelector('#progress')?.getAttribute('data-percent') === '100'`;
const SENT_ON_SCREEN = `Number(document.querySelector('#progress [data-count="sent"]')?.textContent)`;
const FAILED_ON_SCREEN = `Number(document.querySelector('#progress [data-count="failed"]')?.textContent)`;
const CLICKERS_ON_SCREEN = `Number(document.querySelector('#engagement [data-count="clickers"]')?.textContent)`;
const OVERFLOW = 'document.scrollingElement.scrollWidth - window.innerWidth';

/**
 * The sending side of the newsroom in Chromium: a breaking alert picked and confirmed on screen, a send paused
 * and resumed from the sending screen while the bar moves on its own, and the history with the ledger's counts.
 * Mail goes to a real SMTP server; a send rate limit keeps a send slow enough to act on halfway.
 */
describe('Newsroom: breaking news, sending screen and history in Chromium', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        SEND_RATE_PER_SECOND: '15',
        DELIVERY_BATCH_SIZE: String(BATCH),
        SMTP_POOL_SIZE: '2',
        // A refused message fails at once, so the retry test need not wait for back-off.
        DELIVERY_MAX_ATTEMPTS: '1',
      },
    });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: DESKTOP, locale: 'ar' });
    page = await context.newPage();
    await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
    await sink?.stop();
  });

  const ledgerCounts = async (editionId: string) =>
    Object.fromEntries(
      (
        (await t.dataSource.query(
          `SELECT status, count(*)::int AS n FROM deliveries WHERE edition_id = $1 GROUP BY 1`,
          [editionId],
        )) as Array<{ status: string; n: number }>
      ).map((r) => [r.status, r.n]),
    ) as Record<string, number>;
  const audit = async (action: string) =>
    (await t.dataSource.query(`SELECT actor, subject FROM audit_log WHERE action = $1 ORDER BY id`, [
      action,
    ])) as Array<{
      actor: string;
      subject: string;
    }>;
  /** Waits until nothing more arrives for a second. */
  async function settled(): Promise<number> {
    let last = -1;
    while (sink.messages.length !== last) {
      last = sink.messages.length;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return last;
  }
  /** The email as sent, loaded in its iframe (for screenshots). */
  const emailShown = () => page.frameLocator('iframe.email-frame').locator('text=الحل نت').first().waitFor();
  const percent = () => page.getAttribute('#progress', 'data-percent').then(Number);
  const count = (name: string) => page.textContent(`#progress [data-count="${name}"]`).then(Number);

  let alertId: string;
  let digestId: string;

  it('sends a breaking alert picked on screen to every active reader once, daily and weekly alike', async () => {
    const readers = ['d1', 'd2', 'd3'].map((n) => `breaking-${n}@example.org`);
    for (const email of readers) {
      await insertReader(t.dataSource, email, { frequency: 'daily' });
    }
    const weekly = ['breaking-w1@example.org', 'breaking-w2@example.org'];
    await insertReader(t.dataSource, weekly[0], { frequency: 'weekly' });
    await insertReader(t.dataSource, weekly[1], { frequency: 'weekly', topics: ['رياضة'] });
    await insertReader(t.dataSource, 'breaking-gone@example.org', { status: 'unsubscribed' });
    const everyone = [...readers, ...weekly];
    await insertArticle(t.dataSource, { title: 'تحليل: أسعار النفط في أسبوع' });
    const article = await insertArticle(t.dataSource, {
      title: 'زلزال بقوة 5.1 درجات يضرب شمال العراق',
      summary: 'أفادت هيئة الأنواء الجوية بوقوع هزة أرضية شعر بها سكان #أربيل و#دهوك.',
    });

    await page.goto(`${t.baseUrl}/admin/breaking`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');
    await page.getByLabel('زلزال بقوة 5.1 درجات يضرب شمال العراق').check();
    await Promise.all([
      page.waitForURL(/\/admin\/breaking\/confirm/),
      page.getByRole('button', { name: 'متابعة' }).click(),
    ]);
    expect(await page.textContent('[data-role=audience]')).toContain(String(everyone.length));
    await page.fill('input[name=subject]', 'عاجل: زلزال في شمال العراق');
    await Promise.all([
      page.waitForURL(/\/admin\/editions\/\d+$/),
      page.getByRole('button', { name: `أرسل الآن إلى ${everyone.length} قرّاء` }).click(),
    ]);
    alertId = /\/admin\/editions\/(\d+)$/.exec(page.url())![1];
    await page.waitForFunction(BAR_FULL, null, { timeout: 30_000 });
    expect(await settled()).toBe(everyone.length);
    for (const email of everyone) {
      expect([email, sink.to(email).map((m) => m.parsed.subject)]).toEqual([email, ['عاجل: زلزال في شمال العراق']]);
    }
    expect(sink.to('breaking-gone@example.org')).toHaveLength(0);
    expect(await audit('breaking.send')).toEqual([{ actor: DEFAULT_EDITOR.email, subject: `edition #${alertId}` }]);

    // The list marks it as sent; a second request for the same article (a stale tab, another editor) adds nothing.
    await page.goto(`${t.baseUrl}/admin/breaking`);
    expect(await page.getByLabel('زلزال بقوة 5.1 درجات يضرب شمال العراق').isDisabled()).toBe(true);
    await page.goto(`${t.baseUrl}/admin/breaking/confirm?articleId=${article.id}`);
    expect(await page.locator('form[data-role=confirm]').count()).toBe(0);
    const csrf = (await page.locator('input[name=_csrf]').first().getAttribute('value'))!;
    const again = await page.request.post(`${t.baseUrl}/admin/breaking`, {
      form: { _csrf: csrf, articleId: article.id, subject: 'عاجل مرة ثانية' },
      maxRedirects: 0,
    });
    expect(again.status()).toBe(303);
    expect(again.headers().location).toBe(`/admin/editions/${alertId}`);
    await page.goto(`${t.baseUrl}${again.headers().location}`);
    expect(await page.textContent('.flash-error')).toContain('أُرسل هذا الخبر عاجلاً من قبل');
    const editions = await t.dataSource.query(`SELECT count(*)::int AS n FROM editions WHERE kind = 'breaking'`);
    expect(editions[0].n).toBe(1);
    expect(await settled()).toBe(everyone.length);
  });

  it('pauses and resumes from the sending screen mid-send; the bar reaches 100 % without a reload; nobody gets two', async () => {
    sink.clear();
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
    const list = await insertReaders(t.dataSource, { count: 90, prefix: 'pause-' });
    const article = await insertArticle(t.dataSource, { title: 'مقال النشرة اليومية' });
    const edition = await t.get(EditionsService).createNow('daily', { articleIds: [article.id] });
    digestId = edition.id;

    await page.goto(`${t.baseUrl}/admin/editions/${digestId}`);
    await page.evaluate("window.keptMarker = 'same page'");
    await page.waitForFunction(`${SENT_ON_SCREEN} >= 15`, null, { timeout: 30_000 });
    await page.click('[data-action=pause]');
    await page.waitForSelector('#progress[data-status=paused]');
    expect(await page.textContent('#progress [data-role=reason]')).toContain('أوقفه محرر مؤقتاً');
    const atPause = sink.messages.length;
    const afterPause = await settled();
    expect(afterPause - atPause).toBeLessThanOrEqual(BATCH);
    expect(afterPause).toBeLessThan(list.length);
    // The screen agrees with the ledger while paused.
    await page.waitForFunction(`${SENT_ON_SCREEN} === ${afterPause}`);
    expect(await count('remaining')).toBe(list.length - afterPause);
    expect(await percent()).toBeLessThan(100);
    await emailShown();
    await page.screenshot({ path: join(SCREENSHOTS, 'sending-1280.png'), fullPage: true });

    await page.click('[data-action=resume]');
    await page.waitForSelector('#progress[data-status=sending], #progress[data-status=sent]');
    await page.waitForFunction(BAR_FULL, null, { timeout: 60_000 });
    await page.waitForSelector('#progress[data-status=sent]');
    expect(await page.evaluate('window.keptMarker')).toBe('same page');
    expect(await settled()).toBe(list.length);
    expect(list.every((r) => sink.to(r.email).length === 1)).toBe(true);
    expect(await count('sent')).toBe(list.length);
    expect(await count('remaining')).toBe(0);
    expect((await audit('edition.pause')).map((a) => a.subject)).toEqual([`edition #${digestId}`]);
    expect((await audit('edition.resume')).map((a) => a.subject)).toEqual([`edition #${digestId}`]);

    await page.setViewportSize(PHONE_VIEWPORT);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(
      0,
    );
    await emailShown();
    await page.screenshot({ path: join(SCREENSHOTS, 'sending-375.png'), fullPage: true });
    await page.setViewportSize(DESKTOP);
  });

  it('cancel asks for confirmation first, then stops the send', async () => {
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
    await insertReaders(t.dataSource, { count: 150, prefix: 'cancel-', frequency: 'weekly' });
    const article = await insertArticle(t.dataSource, { title: 'مقال سيُلغى إرساله' });
    const edition = await t.get(EditionsService).createNow('weekly', { articleIds: [article.id] });
    await page.goto(`${t.baseUrl}/admin/editions/${edition.id}`);
    expect(await page.isVisible('[data-action=cancel]')).toBe(false);
    await page.click('[data-action=cancel-open]');
    await page.click('[data-action=cancel]');
    await page.waitForSelector('#progress[data-status=cancelled]');
    const counts = await waitFor(
      () => ledgerCounts(edition.id),
      (c) => !c.queued && !c.sending,
      30_000,
      'no unsent rows left',
    );
    expect(counts.sent ?? 0).toBeLessThan(150);
    expect(counts.skipped).toBeGreaterThan(0);
    expect((await audit('edition.cancel')).map((a) => a.subject)).toEqual([`edition #${edition.id}`]);
  });

  it('explains an automatic pause and sends the failed messages again from the screen, once each', async () => {
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
    sink.clear();
    const list = await insertReaders(t.dataSource, { count: 30, prefix: 'retry-' });
    // Until the cause is fixed, the server refuses every third address with a temporary error: the send passes
    // the failure threshold and pauses itself.
    let refusing = true;
    sink.rule = (address) =>
      refusing && Number(/^retry-(\d+)@/.exec(address)?.[1]) % 3 === 0
        ? { code: 451, message: '4.7.1 Try again later' }
        : undefined;
    try {
      const article = await insertArticle(t.dataSource, { title: 'مقال يتعثّر إرساله' });
      const edition = await t.get(EditionsService).createNow('daily', { articleIds: [article.id] });
      await page.goto(`${t.baseUrl}/admin/editions/${edition.id}`);
      await page.waitForSelector('#progress[data-status=paused]', { timeout: 30_000 });
      expect(await page.textContent('#progress [data-role=reason]')).toContain('أُوقف الإرسال تلقائياً');
      await page.waitForSelector('[data-action=retry]');
      expect(await count('failed')).toBeGreaterThanOrEqual(5);

      // Messages in flight when it paused finish first (some of them failing too), then the editor retries.
      await waitFor(
        () => ledgerCounts(edition.id),
        (c) => !c.sending,
        30_000,
        'nothing in flight',
      );
      await page.waitForFunction(`${FAILED_ON_SCREEN} === ${(await ledgerCounts(edition.id)).failed}`);
      refusing = false; // the editor fixed the cause
      await page.click('[data-action=retry]');
      await page.waitForFunction(BAR_FULL, null, { timeout: 60_000 });
      await page.waitForSelector('#progress[data-status=sent]');
      expect(await settled()).toBe(list.length);
      expect(list.every((r) => sink.to(r.email).length === 1)).toBe(true);
      expect(await count('failed')).toBe(0);
      expect(await count('sent')).toBe(list.length);
      expect((await audit('edition.retry-failed')).map((a) => a.subject)).toEqual([`edition #${edition.id}`]);
    } finally {
      sink.rule = undefined;
    }
  });

  it('history lists editions newest first with the counts the ledger holds, filters them and shows the HTML as sent', async () => {
    await page.goto(`${t.baseUrl}/admin/editions`);
    const rows = page.locator('table[data-role=history] tbody tr');
    const editionIds = async () => {
      const ids: string[] = [];
      for (const row of await rows.all()) {
        ids.push((await row.getAttribute('data-edition'))!);
      }
      return ids;
    };
    const ids = await editionIds();
    expect(ids.slice(-2)).toEqual([digestId, alertId]);
    for (const id of [alertId, digestId]) {
      const ledger = await ledgerCounts(id);
      const row = page.locator(`tr[data-edition="${id}"]`);
      for (const status of ['sent', 'failed', 'bounced', 'skipped']) {
        expect([id, status, Number(await row.locator(`[data-count=${status}]`).textContent())]).toEqual([
          id,
          status,
          ledger[status] ?? 0,
        ]);
      }
    }

    await page.selectOption('select[name=type]', 'breaking');
    await Promise.all([page.waitForURL(/type=breaking/), page.getByRole('button', { name: 'تصفية' }).click()]);
    expect(await editionIds()).toEqual([alertId]);
    await page.goto(`${t.baseUrl}/admin/editions?status=sent&from=2000-01-01&to=2000-01-31`);
    expect(await rows.count()).toBe(0);
    const bad = await page.goto(`${t.baseUrl}/admin/editions?status=lost`);
    expect(bad!.status()).toBe(400);
    expect(await page.textContent('[role=alert]')).toContain('التصفية غير صالحة');

    await page.goto(`${t.baseUrl}/admin/editions/${alertId}`);
    expect(await page.getAttribute('#progress', 'data-percent')).toBe('100');
    const frame = page.frameLocator('iframe.email-frame');
    await frame.locator('text=عاجل').first().waitFor();
    const html = await (await page.request.get(`${t.baseUrl}/admin/editions/${alertId}/html`)).text();
    expect(html).toContain('زلزال بقوة 5.1');
    expect(html).not.toContain('PLACEHOLDER');
    expect(html).not.toContain('/subscriptions/unsubscribe?token=');
  });

  it('the engagement card follows clicks live while sending, stops once sent, and reads right to left on a phone', async () => {
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
    sink.clear();
    const list = await insertReaders(t.dataSource, { count: 120, prefix: 'engaged-' });
    const fixture = await insertFixtureArticle(t.dataSource);
    const titles = [
      'هاتف iPhone 15 Pro Max يصل إلى الأسواق',
      "مقابلة مع Reuters' editor عن الحرب",
      'تقرير Human Rights Watch الأخير عن سوريا',
    ];
    const others = [];
    for (const title of titles) {
      others.push(await insertArticle(t.dataSource, { title }));
    }
    const edition = await t
      .get(EditionsService)
      .createNow('daily', { articleIds: [fixture.id, ...others.map((a) => a.id)] });
    await page.goto(`${t.baseUrl}/admin/editions/${edition.id}`);
    await page.evaluate("window.keptMarker = 'engagement page'");
    await page.waitForSelector('#engagement[data-live=yes] [data-count=clickers]');
    expect(await page.evaluate<number>(CLICKERS_ON_SCREEN)).toBe(0);

    // A reader follows a link of the first email while the rest are still going out: the card shows it by itself.
    const first = await waitFor(
      async () => sink.messages[0],
      (m) => m !== undefined,
      30_000,
      'a first email',
    );
    expect((await follow(clickLinks(first)[1])).status).toBe(302);
    await page.waitForFunction(`${CLICKERS_ON_SCREEN} === 1`, null, { timeout: 30_000 });
    expect(await page.evaluate('window.keptMarker')).toBe('engagement page');
    expect(await page.getAttribute('#engagement [data-article]:first-child', 'data-article')).toBe(others[0].id);

    // Once the edition is sent, the last copy of the card stops polling.
    await page.waitForSelector('#progress[data-status=sent]', { timeout: 60_000 });
    await page.waitForSelector('#engagement[data-live=no]', { timeout: 30_000 });
    expect(await page.getAttribute('#engagement', 'hx-trigger')).toBeNull();
    expect(await page.textContent('#engagement [data-count=delivered]')).toBe(String(list.length));

    // A morning of clicks: reader i follows story s when i is a multiple of 2, 3, 5 or 7 (stories in edition order),
    // spread over the hours after sending started.
    const steps = [2, 3, 5, 7];
    for (const [i, reader] of list.entries()) {
      const links = clickLinks(sink.to(reader.email)[0]);
      for (const [story, every] of steps.entries()) {
        if (i % every === 0) {
          await follow(links[story]);
        }
      }
    }
    await t.dataSource.query(`UPDATE editions SET sending_started_at = now() - interval '9 hours' WHERE id = $1`, [
      edition.id,
    ]);
    await t.dataSource.query(
      `UPDATE clicks c SET clicked_at = e.sending_started_at + make_interval(mins => (power((c.delivery_id % 97) / 97.0, 2) * 540)::int)
         FROM editions e WHERE e.id = c.edition_id AND c.edition_id = $1`,
      [edition.id],
    );
    const firstClicker = list.findIndex((r) => first.to.includes(r.email));
    const clickers = list.filter((_, i) => i === firstClicker || steps.some((every) => i % every === 0)).length;
    await page.reload();
    expect(await page.evaluate<number>(CLICKERS_ON_SCREEN)).toBe(clickers);
    const ranked = await page
      .locator('#engagement [data-role=ranked-articles] tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-article')));
    expect(ranked).toEqual([fixture.id, ...others.map((a) => a.id)]);
    // Latin names inside Arabic titles read as one left-to-right run.
    expect(await page.locator('#engagement td span[dir=ltr]').allTextContents()).toEqual(
      expect.arrayContaining(['iPhone 15 Pro Max', "Reuters' editor", 'Human Rights Watch']),
    );
    await page.waitForFunction(`!!window.Chart && !!window.Chart.getChart(document.getElementById('clicks-chart'))`);
    await page.locator('#engagement').screenshot({ path: join(SCREENSHOTS, 'engagement-1280.png') });

    await page.setViewportSize(PHONE_VIEWPORT);
    await page.waitForFunction(`document.getElementById('clicks-chart').getBoundingClientRect().width < 375`);
    expect(await page.evaluate<number>(OVERFLOW)).toBeLessThanOrEqual(0);
    // The ranked table fits the phone: no sideways scrolling inside the card either.
    expect(
      await page.evaluate<number>(
        `(() => { const t = document.querySelector('#engagement table'); return t.scrollWidth - t.parentElement.clientWidth; })()`,
      ),
    ).toBeLessThanOrEqual(0);
    await page.locator('#engagement').screenshot({ path: join(SCREENSHOTS, 'engagement-375.png') });
    await page.setViewportSize(DESKTOP);
  });
});
