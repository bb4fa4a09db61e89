/// <reference lib="dom" />
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

const SUCCESS = 'شكراً لك! أرسلنا إليك رسالة لتأكيد اشتراكك';

/**
 * A news article on another origin with the README's iframe snippet, deliberately framed too short (or as tall
 * as `?height=` says: too tall, to see it shrink).
 */
async function startNewsSite(nashraUrl: () => string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const base = nashraUrl();
    const height = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('height') ?? 300);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1"><title>مقال</title></head>
      <body style="margin:0"><h1>مقال</h1><p>نص المقال.</p>
      <iframe src="${base}/embed/form" title="النشرة البريدية" style="width:100%;height:${height}px;border:0"></iframe>
      <script src="${base}/embed/nashra.js" defer></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('Readers: the iframed form at 375 px in Chromium', () => {
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

  it('grows to its content, so the success message shows without scrolling inside the frame', async () => {
    const page = await browser.newPage({ viewport: PHONE_VIEWPORT });
    await page.goto(`${site.origin}/article`);
    const iframe = page.locator('iframe');
    const frame = page.frameLocator('iframe');
    await frame.getByLabel('بريدك الإلكتروني').fill('resize@example.com');
    await frame.getByRole('button', { name: 'اشترك' }).click();
    const status = frame.locator('[aria-live="polite"]');
    await status.filter({ hasText: SUCCESS }).waitFor();
    // The host applies the heights the frame reports; give it a moment to apply the last one.
    await page.waitForFunction(() => document.querySelector('iframe')!.clientHeight > 300);
    const fits = () =>
      frame.locator('html').evaluate(() => document.documentElement.scrollHeight <= window.innerHeight);
    for (let i = 0; i < 50 && !(await fits()); i++) {
      await page.waitForTimeout(100);
    }
    const inner = await frame.locator('html').evaluate(() => ({
      scrollHeight: document.documentElement.scrollHeight,
      innerHeight: window.innerHeight,
      statusBottom: document.querySelector('[aria-live="polite"]')!.getBoundingClientRect().bottom,
      scrollY: window.scrollY,
    }));
    expect(inner.scrollY).toBe(0);
    expect(inner.scrollHeight).toBeLessThanOrEqual(inner.innerHeight);
    expect(inner.statusBottom).toBeLessThanOrEqual(inner.innerHeight);
    expect((await iframe.boundingBox())!.height).toBeGreaterThan(300);
    await page.close();
  });

  it('shrinks as well as grows: a frame taller than the form ends at the form', async () => {
    const page = await browser.newPage({ viewport: PHONE_VIEWPORT });
    await page.goto(`${site.origin}/article?height=1400`);
    await page.waitForFunction(() => document.querySelector('iframe')!.clientHeight < 1400);
    const content = await page
      .frameLocator('iframe')
      .locator('html')
      .evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    const frameHeight = await page.locator('iframe').evaluate((el) => (el as HTMLIFrameElement).clientHeight);
    expect(frameHeight).toBe(content);
    await page.close();
  });

  it('without JavaScript, shows the thank-you text inside the site’s frame, and Arabic errors from the server', async () => {
    const context = await browser.newContext({ viewport: PHONE_VIEWPORT, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${site.origin}/article`);
    const frame = page.frameLocator('iframe');
    // A bad address: the browser does not stop it (no script to give its bubble Arabic words), the server does.
    await frame.getByLabel('بريدك الإلكتروني').fill('not-an-address');
    await frame.getByRole('button', { name: 'اشترك' }).click();
    await frame.getByText('عنوان بريد إلكتروني صحيح').first().waitFor();
    await frame.getByLabel('بريدك الإلكتروني').fill('no-script@example.com');
    await frame.getByRole('button', { name: 'اشترك' }).click();
    await frame.getByText(SUCCESS).waitFor();
    expect(page.url()).toBe(`${site.origin}/article`);
    await context.close();
  });

  it('speaks Arabic when the browser refuses an address, and marks the field aria-invalid', async () => {
    const page = await browser.newPage({ viewport: PHONE_VIEWPORT });
    await page.goto(`${t.baseUrl}/embed/form`);
    const email = page.getByLabel('بريدك الإلكتروني');
    await page.getByRole('button', { name: 'اشترك' }).click();
    expect(await email.evaluate((el) => (el as HTMLInputElement).validationMessage)).toBe(
      'يُرجى كتابة بريدك الإلكتروني.',
    );
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    await email.fill('not-an-address');
    await page.getByRole('button', { name: 'اشترك' }).click();
    expect(await email.evaluate((el) => (el as HTMLInputElement).validationMessage)).toContain(
      'عنوان بريد إلكتروني صحيح',
    );
    await email.fill('fixed@example.com');
    expect(await email.getAttribute('aria-invalid')).toBeNull();
    await page.close();
  });
});
