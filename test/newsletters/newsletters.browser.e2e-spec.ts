import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { DigestScheduler } from '../../src/digests/digest-scheduler';
import { insertArticle } from '../factories/articles';
import { PROJECT_ROOT } from '../helpers/app-process';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';
import { confirmToken } from '../readers/reader-steps';

const SCREENSHOTS = join(PROJECT_ROOT, 'test', 'screenshots');

describeBrowser(
  'Newsletters in Chromium: an editor makes «الاقتصاد», a reader ticks it, it carries only its topic',
  () => {
    let t: TestApp;
    let sink: SmtpSink;
    let browser: Browser;

    beforeAll(async () => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      sink = await SmtpSink.start();
      t = await startTestApp({ env: { SMTP_URL: sink.url, SIGNUP_RATE_LIMIT_PER_MINUTE: '1000' } });
      await createEditor(t.dataSource, DEFAULT_EDITOR);
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
      await t?.close();
      await sink?.stop();
    });

    async function subscriptionsOf(email: string): Promise<string[]> {
      const rows: Array<{ slug: string }> = await t.dataSource.query(
        `SELECT n.slug FROM subscriptions sub JOIN newsletters n ON n.id = sub.newsletter_id
         JOIN subscribers s ON s.id = sub.subscriber_id
        WHERE s.email = $1 AND sub.status = 'active' ORDER BY n.position, n.id`,
        [email],
      );
      return rows.map((r) => r.slug);
    }

    it('the editor creates «الاقتصاد» (weekly, topic اقتصاد) on the Newsletters screen', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
      await page.getByRole('link', { name: 'النشرات' }).click();
      await page.waitForURL(`${t.baseUrl}/admin/settings/newsletters`);
      // The three newsletters every install starts with.
      for (const name of ['النشرة اليومية', 'النشرة الأسبوعية', 'الأخبار العاجلة']) {
        await expect(page.getByRole('link', { name }).count()).resolves.toBe(1);
      }
      const form = page.locator('#new-newsletter');
      await form.getByLabel('الاسم', { exact: true }).fill('الاقتصاد');
      await form.getByLabel('وصف في سطر واحد', { exact: true }).fill('أسواق وأسعار وأعمال، كل يوم جمعة.');
      await form.getByLabel('المعرّف', { exact: true }).fill('economy');
      await form.getByLabel('الوتيرة', { exact: true }).selectOption('weekly');
      await form.getByLabel('موعد خاص: الوقت والأيام', { exact: true }).check();
      await form.getByLabel('الوقت', { exact: true }).fill('09:30');
      await form.getByLabel('المواضيع', { exact: true }).fill('اقتصاد');
      await Promise.all([
        page.waitForURL(`${t.baseUrl}/admin/settings/newsletters`),
        form.getByRole('button', { name: 'أنشئ النشرة' }).click(),
      ]);
      await expect(page.getByText('أُنشئت نشرة «الاقتصاد».').count()).resolves.toBe(1);
      const row = page.locator('tr[data-newsletter="economy"]');
      await expect(row.textContent()).resolves.toContain('الجمعة 09:30');
      await page.screenshot({ path: join(SCREENSHOTS, 'newsletters-screen.png'), fullPage: true });
      await context.close();

      const [economy]: Array<{ kind: string; period: string; schedule_cron: string; topics: string[] }> =
        await t.dataSource.query(`SELECT kind, period, schedule_cron, topics FROM newsletters WHERE slug = 'economy'`);
      expect(economy).toEqual({ kind: 'digest', period: 'weekly', schedule_cron: '30 9 * * 5', topics: ['اقتصاد'] });
      // The scheduler runs it at once, without a restart.
      expect(t.get(DigestScheduler).cronFor('economy')).toBe('30 9 * * 5');
    });

    it('at 375 px without JavaScript the footer form offers the newsletters; the reader ticks «الاقتصاد»', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE_VIEWPORT });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/embed/form`);
      const boxes = page.getByRole('checkbox');
      await expect(boxes.count()).resolves.toBe(4);
      expect(await page.getByRole('checkbox', { name: /النشرة اليومية/ }).isChecked()).toBe(true);
      expect(await page.getByRole('checkbox', { name: /الأخبار العاجلة/ }).isChecked()).toBe(true);
      expect(await page.getByRole('checkbox', { name: /النشرة الأسبوعية/ }).isChecked()).toBe(false);
      expect(await page.getByRole('checkbox', { name: /الاقتصاد/ }).isChecked()).toBe(false);
      // Nothing is wider than the phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
      await page.screenshot({ path: join(SCREENSHOTS, 'newsletters-form-375.png'), fullPage: true });

      await page.getByLabel('بريدك الإلكتروني').fill('economy-reader@example.com');
      await page.getByRole('checkbox', { name: /الأخبار العاجلة/ }).uncheck();
      await page.getByRole('checkbox', { name: /الاقتصاد/ }).check();
      await Promise.all([
        // The embedded form's answer stays framable (`?embed=1`, issue 23).
        page.waitForURL(new RegExp(`^${t.baseUrl}/subscriptions/thanks(\\?embed=1)?$`)),
        page.getByRole('button', { name: 'اشترك' }).click(),
      ]);
      await context.close();
      expect(await subscriptionsOf('economy-reader@example.com')).toEqual(['daily', 'economy']);

      // Double opt-in confirms the address once; the subscriptions chosen on the form come with it.
      const [confirmation] = await sink.waitForMessages(1);
      await t.get(TransactionalOutbox).idle();
      await request(t.baseUrl)
        .post(`/subscriptions/confirm?token=${confirmToken(confirmation)}`)
        .expect(200);
    });

    it('with JavaScript the form posts the ticked newsletters as JSON; ?newsletters= restricts and ticks them', async () => {
      const context = await browser.newContext({ viewport: PHONE_VIEWPORT });
      const page = await context.newPage();
      await page.goto(`${t.baseUrl}/embed/form?newsletters=weekly,economy`);
      await expect(page.getByRole('checkbox').count()).resolves.toBe(2);
      expect(await page.getByRole('checkbox', { name: /الاقتصاد/ }).isChecked()).toBe(true);
      await page.getByLabel('بريدك الإلكتروني').fill('js-reader@example.com');
      await page.getByRole('button', { name: 'اشترك' }).click();
      await page.getByText('شكراً لك!').waitFor();
      expect(page.url()).toBe(`${t.baseUrl}/embed/form?newsletters=weekly,economy`);
      await context.close();
      expect(await subscriptionsOf('js-reader@example.com')).toEqual(['weekly', 'economy']);
    });

    it("«الاقتصاد»'s edition carries only articles with that topic, and reaches its reader", async () => {
      await insertArticle(t.dataSource, {
        title: 'البنك المركزي يرفع سعر الفائدة',
        topics: ['اقتصاد'],
        publishedAt: new Date(Date.now() - 3600_000),
      });
      await insertArticle(t.dataSource, {
        title: 'المنتخب يفوز في تصفيات كأس العالم',
        topics: ['رياضة'],
        publishedAt: new Date(Date.now() - 1800_000),
      });
      const edition = (await t.get(DigestScheduler).runScheduled('economy'))!;
      expect(edition.key).toMatch(/^economy:\d{4}-W\d\d$/);
      expect(edition.subject).toMatch(/^الاقتصاد — /);
      const titles: Array<{ title: string }> = await t.dataSource.query(
        `SELECT a.title FROM articles a WHERE a.id = ANY($1::bigint[])`,
        [edition.articleIds],
      );
      expect(titles.map((r) => r.title)).toEqual(['البنك المركزي يرفع سعر الفائدة']);
      await waitFor(
        () =>
          Promise.resolve(sink.to('economy-reader@example.com').filter((m) => m.parsed.subject === edition.subject)),
        (got) => got.length === 1,
        30_000,
        'the economy edition delivered',
      );
      const [mail] = sink.to('economy-reader@example.com').filter((m) => m.parsed.subject === edition.subject);
      expect(String(mail.parsed.html)).toContain('البنك المركزي يرفع سعر الفائدة');
      expect(String(mail.parsed.html)).not.toContain('المنتخب يفوز');
      // The email names its newsletter beside the date, not «النشرة الأسبوعية».
      expect(String(mail.parsed.html)).toContain('الاقتصاد ·');
      expect(String(mail.parsed.html)).not.toContain('النشرة الأسبوعية');
      expect((mail.parsed.headers.get('list') as Record<string, Record<string, string>>).id.id).toMatch(/^economy\./);
      // The JSON reader's subscription is waiting for their confirmation: nothing for them yet.
      expect(sink.to('js-reader@example.com').filter((m) => m.parsed.subject === edition.subject)).toHaveLength(0);
    });

    it('the preferences page lists each newsletter with a switch; switching one on needs no new confirmation', async () => {
      const [{ id }]: Array<{ id: string }> = await t.dataSource.query(
        `SELECT id FROM subscribers WHERE email = 'economy-reader@example.com'`,
      );
      const { SubscriberLinks } = await import('../../src/subscribers/subscriber-links');
      const url = t.get(SubscriberLinks).preferencesUrl(id);
      const context = await browser.newContext({ viewport: PHONE_VIEWPORT });
      const page = await context.newPage();
      await page.goto(url);
      for (const name of ['النشرة اليومية', 'النشرة الأسبوعية', 'الأخبار العاجلة', 'الاقتصاد']) {
        await expect(page.getByRole('switch', { name: new RegExp(name) }).count()).resolves.toBe(1);
      }
      expect(await page.getByRole('switch', { name: /الاقتصاد/ }).isChecked()).toBe(true);
      await page.getByRole('switch', { name: /الأخبار العاجلة/ }).check();
      await page.getByRole('switch', { name: /النشرة اليومية/ }).uncheck();
      await page.screenshot({ path: join(SCREENSHOTS, 'newsletters-preferences-375.png'), fullPage: true });
      await page.getByRole('button', { name: 'حفظ' }).click();
      await page.getByText('تم حفظ إعداداتك.').waitFor();
      await context.close();
      expect(await subscriptionsOf('economy-reader@example.com')).toEqual(['breaking', 'economy']);
      const [reader]: Array<{ status: string }> = await t.dataSource.query(
        `SELECT status FROM subscribers WHERE id = $1`,
        [id],
      );
      expect(reader.status).toBe('active');
    });

    it('the Readers screen filters by newsletter', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
      await page.goto(`${t.baseUrl}/admin/readers?newsletter=breaking`);
      const table = (await page.locator('table').first().textContent()) ?? '';
      expect(table).toContain('economy-reader@example.com');
      expect(table).not.toContain('js-reader@example.com');
      await page.goto(`${t.baseUrl}/admin/readers?newsletter=economy`);
      const both = (await page.locator('table').first().textContent()) ?? '';
      expect(both).toContain('economy-reader@example.com');
      expect(both).toContain('js-reader@example.com');
      await context.close();
    });
  },
);
