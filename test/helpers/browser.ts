import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Names Chromium goes by on PATH (Debian, Ubuntu/snap, Google's packages). */
const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export const CHROMIUM_INSTALL_HINT =
  'install Chromium (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH to its executable';

export type ChromiumLookup = { path: string; reason?: never } | { path: null; reason: string };

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Where Chromium is. CHROMIUM_PATH, when set, is the only place looked at (a wrong value is reported, not
 * papered over by another browser); otherwise the first of chromium, chromium-browser, google-chrome and
 * google-chrome-stable found on PATH (Debian's /usr/bin/chromium is found this way).
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const explicit = env.CHROMIUM_PATH?.trim();
  if (explicit) {
    return isExecutableFile(explicit)
      ? { path: explicit }
      : { path: null, reason: `CHROMIUM_PATH=${explicit} is not an executable file` };
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) {
        return { path: candidate };
      }
    }
  }
  return { path: null, reason: `no ${CHROMIUM_NAMES.join(', ')} on PATH` };
}

/** True when CI is set to anything but an explicit "false"/"0" (GitHub Actions, GitLab and others set CI=true). */
function onCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return !!ci && ci !== 'false' && ci !== '0';
}

/**
 * `describe` for suites that drive Chromium. Without Chromium, the suite is skipped with one loud line saying
 * how to install it, so `npm test` passes on a laptop without a browser; on CI (CI set) it fails instead,
 * because CI is where the browser tests must run.
 */
export function describeBrowser(name: string, suite: () => void): void {
  const found = findChromium();
  if (found.path !== null) {
    describe(name, suite);
    return;
  }
  if (onCi()) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`Chromium not found (${found.reason}): ${CHROMIUM_INSTALL_HINT}. CI must run browser tests.`);
      });
    });
    return;
  }
  // Straight to stderr: one line, not jest's console block with a code frame.
  process.stderr.write(
    `\n⚠ SKIPPED browser suite "${name}": Chromium not found (${found.reason}); ${CHROMIUM_INSTALL_HINT}.\n`,
  );
  describe.skip(name, suite);
}

/**
 * Headless Chromium for browser tests, driven by playwright-core. The extra flags stop Chromium's own
 * background connections (updates, field trials), which are refused on these machines and otherwise pile up.
 * Create a context per test with `browser.newContext({ javaScriptEnabled })` and close the browser after.
 * Use inside `describeBrowser`, which has already checked that Chromium exists.
 */
export function launchBrowser(): Promise<Browser> {
  const found = findChromium();
  if (found.path === null) {
    throw new Error(`Chromium not found (${found.reason}): ${CHROMIUM_INSTALL_HINT}`);
  }
  return chromium.launch({
    executablePath: found.path,
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
