import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { settle, subscriberByKey } from './reader-steps';

const SUCCESS = 'شكراً لك! أرسلنا إليك رسالة لتأكيد اشتراكك';

/** A news site on another origin: an article with nashra's form copied in, or iframed. */
async function startNewsSite(nashraUrl: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const base = nashraUrl();
    const url = new URL(req.url ?? '/', 'http://site');
    const body =
      url.pathname === '/iframe'
        ? `<iframe title="newsletter" src="${base}/embed/form" style="width:100%;height:560px;border:0"></iframe>`
        : `<form class="nashra-form" data-nashra method="post" action="${base}/subscriptions">
             <label for="e">بريدك الإلكتروني</label>
             <input id="e" name="email" type="email" required>
             <input type="hidden" name="redirect" value="http://${req.headers.host}/article">
             <button type="submit">اشترك</button>
             <div class="status" role="status" aria-live="polite"></div>
           </form>
           <script src="${base}/embed/nashra.js"></script>`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>مقال</title></head>
      <body><h1>مقال</h1><p>نص المقال.</p>${body}</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describeBrowser('Readers: the footer form in Chromium', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let site: { server: Server; origin: string };

  beforeAll(async () => {
    sink = await SmtpSink.start();
    site = await startNewsSite(() => t.baseUrl);
    t = await startTestApp({
      env: { SMTP_URL: sink.url, SIGNUP_RATE_LIMIT_PER_MINUTE: '1000', SITE_ORIGINS: site.origin },
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.stop();
    await new Promise((resolve) => site?.server.close(resolve));
  });

  async function expectOneConfirmation(email: string): Promise<void> {
    expect(await subscriberByKey(t, email)).toMatchObject({ status: 'pending' });
    await sink.waitForMessages(1);
    await t.get(TransactionalOutbox).idle();
    await settle();
    expect(sink.to(email)).toHaveLength(1);
  }

  beforeEach(() => sink.clear());

  it('works with JavaScript off: the post lands on the Arabic thank-you page', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: PHONE_VIEWPORT });
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/embed/form`);
    await page.getByLabel('بريدك الإلكتروني').fill('nojs@example.com');
    await page.getByRole('checkbox', { name: /النشرة اليومية/ }).uncheck();
    await page.getByRole('checkbox', { name: /النشرة الأسبوعية/ }).check();
    await Promise.all([
      // The form served for the site's iframe leads to the thank-you page that may be framed there too.
      page.waitForURL(`${t.baseUrl}/subscriptions/thanks?embed=1`),
      page.getByRole('button', { name: 'اشترك' }).click(),
    ]);
    await expect(page.getByRole('status').textContent()).resolves.toContain(SUCCESS);
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    await expectOneConfirmation('nojs@example.com');
    expect((await subscriberByKey(t, 'nojs@example.com'))!.frequency).toBe('weekly');
    await context.close();
  });

  it('works with JavaScript on: no reload, and the success message is announced in the aria-live region', async () => {
    const context = await browser.newContext({ javaScriptEnabled: true, viewport: PHONE_VIEWPORT });
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/embed/form`);
    await page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));
    await page.getByLabel('بريدك الإلكتروني').fill('withjs@example.com');
    await page.getByRole('button', { name: 'اشترك' }).click();
    const status = page.locator('[aria-live="polite"]');
    await status.filter({ hasText: SUCCESS }).waitFor();
    expect(page.url()).toBe(`${t.baseUrl}/embed/form`);
    expect(await page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expectOneConfirmation('withjs@example.com');

    // A phone-sized screenshot for a human to look at (not committed, not asserted).
    await page.screenshot({ path: '/tmp/readers/embed-form-phone.png', fullPage: true });
    await context.close();
  });

  it('a form copied onto the news site posts across origins with the script, without leaving the article', async () => {
    const context = await browser.newContext({ javaScriptEnabled: true });
    const page = await context.newPage();
    await page.goto(`${site.origin}/article`);
    await page.getByLabel('بريدك الإلكتروني').fill('copied@example.com');
    await page.getByRole('button', { name: 'اشترك' }).click();
    await page.locator('[aria-live="polite"]').filter({ hasText: SUCCESS }).waitFor();
    expect(page.url()).toBe(`${site.origin}/article`);
    await expectOneConfirmation('copied@example.com');
    expect((await subscriberByKey(t, 'copied@example.com'))!.consent!.page).toBe(`${site.origin}/article`);
    await context.close();
  });

  it('the same copied form without JavaScript returns the reader to the article with ?nashra=ok', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${site.origin}/article`);
    await page.getByLabel('بريدك الإلكتروني').fill('copied-nojs@example.com');
    await Promise.all([
      page.waitForURL(`${site.origin}/article?nashra=ok`),
      page.getByRole('button', { name: 'اشترك' }).click(),
    ]);
    await expectOneConfirmation('copied-nojs@example.com');
    await context.close();
  });

  it('can be iframed by the configured site, and works inside the frame', async () => {
    const context = await browser.newContext({ javaScriptEnabled: true });
    const page = await context.newPage();
    await page.goto(`${site.origin}/iframe`);
    const frame = page.frameLocator('iframe');
    await frame.getByLabel('بريدك الإلكتروني').fill('framed@example.com');
    await frame.getByRole('button', { name: 'اشترك' }).click();
    await frame.locator('[aria-live="polite"]').filter({ hasText: SUCCESS }).waitFor();
    await expectOneConfirmation('framed@example.com');
    await context.close();
  });
});
