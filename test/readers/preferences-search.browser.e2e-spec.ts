import type { Browser } from 'playwright-core';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { insertReader } from '../delivery/ledger-fixtures';
import { launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { startTestApp, TestApp } from '../helpers/test-app';

describe('Readers: searching topics on the preferences page in Chromium', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp({ env: { NASHRA_ROLE: 'web' } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('filters topics as the reader types, ignoring hamza forms, and never hides a followed one', async () => {
    for (const name of ['إيران', 'العراق', 'سوريا', 'الأردن']) {
      await t.dataSource.query('INSERT INTO topics (key, name) VALUES ($1, $2)', [name.replace(/[أإ]/g, 'ا'), name]);
    }
    const me = await insertReader(t.dataSource, 'search@example.net', { topics: ['سوريا'] });
    const page = await browser.newPage({ viewport: PHONE_VIEWPORT });
    await page.goto(t.get(SubscriberLinks).preferencesUrl(me));
    await page.getByLabel('ابحث عن موضوع').fill('ايران');
    const visible = await page
      .locator('.topics label[data-topic]:visible')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-topic')));
    expect(visible.sort()).toEqual(['إيران', 'سوريا'].sort());
    await page.close();
  });
});
