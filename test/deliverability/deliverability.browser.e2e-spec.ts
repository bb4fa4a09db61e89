import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ReputationWatch } from '../../src/deliverability/reputation-watch';
import { insertEdition } from '../delivery/ledger-fixtures';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { TestDnsServer } from '../helpers/dns-server';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

const SCREENSHOTS = join(__dirname, '..', 'screenshots');
const DOMAIN = 'nashra.test';

/** The Deliverability screen in Chromium: a domain half ready (DKIM key out of date, DMARC p=none), and 30 days of rates. */
describeBrowser('Deliverability screen in Chromium', () => {
  const dns = new TestDnsServer();
  const dir = mkdtempSync(join(tmpdir(), 'nashra-dkim-'));
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const stale = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(dir, 'dkim.pem'), key.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await dns.start({
      txt: {
        [DOMAIN]: ['v=spf1 mx include:spf.mail-relay.test ~all'],
        'spf.mail-relay.test': ['v=spf1 ip4:198.51.100.0/24 -all'],
        [`nashra._domainkey.${DOMAIN}`]: [
          `v=DKIM1; k=rsa; p=${stale.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`,
        ],
        [`_dmarc.${DOMAIN}`]: [`v=DMARC1; p=none; rua=mailto:dmarc@${DOMAIN}`],
      },
      mx: { [DOMAIN]: [{ exchange: `mail.${DOMAIN}`, priority: 10 }] },
      a: { [`mail.${DOMAIN}`]: ['198.51.100.25'] },
    });
    t = await startTestApp({
      env: {
        DNS_SERVERS: dns.servers,
        DKIM_DOMAIN: DOMAIN,
        DKIM_SELECTOR: 'nashra',
        DKIM_PRIVATE_KEY_FILE: join(dir, 'dkim.pem'),
      },
    });
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    // A sent edition to 1,200 readers at four providers, a few complaints and bounces among them.
    const edition = await insertEdition(t.dataSource, { status: 'sent' });
    const rows: Array<{ id: string; subscriber_id: string; email: string; status: string }> = await t.dataSource.query(
      `WITH r AS (
           INSERT INTO subscribers (email, email_key, status, frequency, topics, confirmed_at)
           SELECT e, e, 'active', 'daily', '{}', now() FROM (
             SELECT 'r' || i || '@' || (ARRAY['gmail.com', 'gmail.com', 'yahoo.com', 'hotmail.com', 'example.org'])[1 + i % 5] AS e
             FROM generate_series(1, 1200) i) x
           RETURNING id, email),
         d AS (
           INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, attempts, sent_at)
           SELECT $1, id, 'all', CASE WHEN email LIKE 'r1_@hotmail.com' THEN 'bounced' ELSE 'sent' END, 1, now() FROM r
           RETURNING id, subscriber_id, status)
         SELECT d.id::text, d.subscriber_id::text, r.email, d.status FROM d JOIN r ON r.id = d.subscriber_id`,
      [edition],
    );
    const watch = t.get(ReputationWatch);
    await watch.writtenBack(rows.map((r) => ({ id: r.id, editionId: edition, status: r.status })));
    const gmail = rows.filter((r) => r.email.endsWith('@gmail.com'));
    await watch.lateReport(
      'complaint',
      gmail.slice(0, 2).map((r) => r.subscriber_id),
      null,
    );
    await watch.lateReport(
      'soft',
      gmail.slice(2, 5).map((r) => r.subscriber_id),
      null,
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await dns.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const viewport of [PHONE_VIEWPORT, { width: 1280, height: 900 }]) {
    it(`shows each check with the record to publish, and rates by provider, at ${viewport.width} px`, async () => {
      const context = await browser.newContext({ viewport, locale: 'ar' });
      try {
        const page = await context.newPage();
        await page.goto(`${t.baseUrl}/admin/deliverability`);
        expect(new URL(page.url()).pathname).toBe('/admin/login');
        await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
        await page.goto(`${t.baseUrl}/admin/deliverability?refresh=1`);
        expect(await page.getAttribute('html', 'dir')).toBe('rtl');
        expect(await page.getAttribute('[data-check="spf"]', 'data-status')).toBe('pass');
        expect(await page.getAttribute('[data-check="dkim"]', 'data-status')).toBe('fail');
        expect(await page.getAttribute('[data-check="dmarc"]', 'data-status')).toBe('warn');
        await expect(page.locator('[data-check="dkim"] .record code').first().textContent()).resolves.toBe(
          `nashra._domainkey.${DOMAIN}`,
        );
        await expect(page.locator('[data-provider="gmail"] [data-count="complaints"]').textContent()).resolves.toBe(
          '2',
        );
        // Nothing wider than the screen: the DKIM key wraps, the rates table scrolls in its own box.
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        expect(overflow).toBeLessThanOrEqual(0);
        await page.screenshot({ path: join(SCREENSHOTS, `deliverability-${viewport.width}.png`), fullPage: true });
      } finally {
        await context.close();
      }
    });
  }
});
