import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Debian's Chromium package; override with CHROMIUM_PATH. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium for browser tests, driven by playwright-core. The extra flags stop Chromium's own
 * background connections (updates, field trials), which are refused on these machines and otherwise pile up.
 * Create a context per test with `browser.newContext({ javaScriptEnabled })` and close the browser after.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** A phone-sized viewport (iPhone SE class), for checking pages readers open on their phones. */
export const PHONE_VIEWPORT = { width: 375, height: 667 } as const;
