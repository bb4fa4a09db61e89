import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findChromium } from '../helpers/browser';

// How browser suites find Chromium (test/helpers/browser.ts); describeBrowser skips or fails on what this finds.
describe('finding Chromium for the browser suites', () => {
  let dir: string;
  const fakeBrowser = (name: string, mode = 0o755) => {
    const path = join(dir, name);
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, mode);
    return path;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nashra-chromium-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('looks each name up on PATH, chromium first', () => {
    const empty = mkdtempSync(join(tmpdir(), 'nashra-empty-'));
    try {
      const chrome = fakeBrowser('google-chrome');
      expect(findChromium({ PATH: [empty, dir].join(delimiter) })).toEqual({ path: chrome });
      const chromium = fakeBrowser('chromium-browser');
      expect(findChromium({ PATH: [empty, dir].join(delimiter) })).toEqual({ path: chromium });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('skips a file that is not executable', () => {
    fakeBrowser('chromium', 0o644);
    expect(findChromium({ PATH: dir })).toMatchObject({ path: null, reason: expect.stringContaining('on PATH') });
  });

  it('uses only CHROMIUM_PATH when it is set, and says when it is wrong', () => {
    fakeBrowser('chromium');
    const custom = fakeBrowser('my-chromium');
    expect(findChromium({ PATH: dir, CHROMIUM_PATH: custom })).toEqual({ path: custom });
    expect(findChromium({ PATH: dir, CHROMIUM_PATH: join(dir, 'missing') })).toEqual({
      path: null,
      reason: `CHROMIUM_PATH=${join(dir, 'missing')} is not an executable file`,
    });
    // Set but empty counts as unset.
    expect(findChromium({ PATH: dir, CHROMIUM_PATH: '' })).toEqual({ path: join(dir, 'chromium') });
  });
});
