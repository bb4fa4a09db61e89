import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { EditorAccounts } from '../../src/auth/editor-accounts';
import { EditionRenderer } from '../../src/digests/edition-renderer';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { seedNewsroom, type SeededNewsroom } from '../fixtures/newsroom-seed';
import { describeBrowser, launchBrowser, PHONE_VIEWPORT } from '../helpers/browser';
import { declaredRoutes } from '../helpers/declared-routes';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const VIEWPORTS = [PHONE_VIEWPORT, { width: 1280, height: 900 }];
const SCREENSHOTS = join(__dirname, '..', 'screenshots');
// The first-run dashboard (checklist) and the Form screen, for docs/newsroom.md.
const SCREENSHOTS_OF: Record<string, string> = { '/admin': 'first-run', '/admin/form': 'form' };

// GET routes of the newsroom that are not pages an editor reads: htmx fragments inside a page the walk visits,
// downloads, redirects and the steps of a sign-in that need a half-finished session.
const NOT_PAGES = new Set([
  '/admin/logout',
  // htmx fragments of the edition and import screens, which the walk visits whole
  '/admin/editions/:id/progress',
  '/admin/editions/:id/engagement',
  '/admin/readers/import/:id/progress',
  // downloads
  '/admin/readers/:id/export.json',
  '/admin/readers/:id/export.csv',
  '/admin/readers/export.csv',
  '/admin/readers/import/:id/errors.csv',
  // emails shown as they are sent (their own tests check them), not newsroom pages
  '/admin/next/preview',
  '/admin/next/preview.html',
  '/admin/breaking/preview',
  '/admin/editions/:id/html',
  '/admin/mail/:name',
  '/admin/mail/:name/html',
  '/admin/assets/:name',
  // shown once, right after a POST made the codes (two-step-sign-in.browser walks it by keyboard)
  '/admin/account/recovery-codes',
  // steps of a sign-in in progress (a half-signed-in session) and the identity provider's redirects
  '/admin/login/second-step',
  '/admin/login/setup',
  '/admin/login/sso',
  '/admin/login/sso/callback',
]);

/** Whether a walked URL is an instance of a route's path (`/admin/editions/:id` ~ `/admin/editions/7`). */
const instanceOf = (route: string, url: string) =>
  new RegExp(`^${route.replace(/:[^/]+/g, '[^/]+')}$`).test(url.split('?')[0]);

interface Violation {
  id: string;
  targets: string[];
}

/**
 * axe-core's verdict on the page as shown: WCAG 2.1 A and AA and axe's best practices. The source is evaluated
 * through the DevTools protocol, so the pages' Content-Security-Policy (no inline scripts) stays as it is.
 */
async function violations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    (tags) =>
      (
        globalThis as unknown as {
          axe: {
            run(
              context: unknown,
              options: unknown,
            ): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
          };
        }
      ).axe.run((globalThis as unknown as { document: unknown }).document, {
        runOnly: { type: 'tag', values: tags },
      }),
    TAGS,
  );
  return result.violations.map((v) => ({ id: v.id, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
}

/**
 * One walk over every newsroom page and every reader page, seeded so that no page is empty, at a phone's and a
 * desktop's width: axe-core finds nothing on any of them.
 */
describeBrowser('Accessibility: axe-core on every newsroom and reader page, 375 and 1280 px', () => {
  const clock = new FakeClock(new Date('2026-12-07T09:00:00Z'));
  let t: TestApp;
  let browser: Browser;
  let seeded: SeededNewsroom;
  let readerPages: string[];
  let inviteToken: string;
  let importId: string | undefined;

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { NASHRA_ROLE: 'web' } });
    const editorId = await createEditor(t.dataSource, DEFAULT_EDITOR);
    const accounts = t.get(EditorAccounts);
    ({ token: inviteToken } = await accounts.invite(
      { email: 'invited@nashra.test', name: 'Sara (BBC Arabic)', role: 'editor' },
      (await accounts.find(editorId))!,
    ));
    seeded = await seedNewsroom(t.dataSource, clock.now());
    await t.get(EditionRenderer).renderForSegment(seeded.editionId, 'all');
    const links = t.get(SubscriberLinks);
    const token = links.token(seeded.readerId);
    readerPages = [
      '/embed/form',
      '/subscriptions/thanks',
      `/subscriptions/confirm?token=${'a'.repeat(43)}`,
      `/subscriptions/keep?token=${token}`,
      `/subscriptions/unsubscribe?token=${token}`,
      `/subscriptions/preferences?token=${token}`,
      '/subscriptions/preferences?token=not-a-token',
      '/digests',
      `/digests/${seeded.editionId}`,
    ];
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('walks every page the router serves to editors (a new screen is added to the walk or named here)', () => {
    const walked = ['/admin/login', '/admin/invite', ...seeded.pages, '/admin/readers/import/1'];
    const pages = declaredRoutes(t)
      .filter((r) => r.method === 'GET' && r.path.startsWith('/admin'))
      .filter((r) => r.guards.some((g) => g === 'NewsroomPageGuard' || g === 'BearerOrNewsroomPageGuard') || r.isPublic)
      .map((r) => r.path)
      .filter((path) => !NOT_PAGES.has(path));
    expect(pages.filter((path) => !walked.some((url) => instanceOf(path, url)))).toEqual([]);
  });

  it.each(VIEWPORTS)('newsroom pages at $width px', async (viewport) => {
    const page = await browser.newPage({ viewport, locale: 'ar' });
    await page.goto(`${t.baseUrl}/admin/login`);
    const found: Record<string, Violation[]> = {};
    const record = async (path: string) => {
      const v = await violations(page);
      if (v.length > 0) {
        found[path] = v;
      }
    };
    await record('/admin/login');
    await page.goto(`${t.baseUrl}/admin/invite?token=${inviteToken}`);
    await record('/admin/invite');
    await signIn(page, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    if (!importId) {
      // One import (a good line and a bad one) so its report page has something to show.
      await page.goto(`${t.baseUrl}/admin/readers/import`);
      await page.setInputFiles('input[name=file]', {
        name: 'readers.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from('email,frequency\nimported-1@example.org,daily\nnot-an-address,daily\n'),
      });
      await page.getByRole('button', { name: 'استورد' }).click();
      const [job] = await waitFor(
        () => t.dataSource.query(`SELECT id::text, status FROM reader_imports ORDER BY id DESC LIMIT 1`),
        (rows: { id: string; status: string }[]) => rows.length > 0 && rows[0].status !== 'running',
        20_000,
        'the import to finish',
      );
      importId = (job as { id: string }).id;
    }
    for (const path of [...seeded.pages, `/admin/readers/import/${importId}`]) {
      await page.goto(`${t.baseUrl}${path}`);
      await record(path);
      const shot = SCREENSHOTS_OF[path];
      if (shot) {
        await page.screenshot({ path: join(SCREENSHOTS, `${shot}-${viewport.width}.png`), fullPage: true });
      }
    }
    expect(found).toEqual({});
    await page.close();
  });

  it.each(VIEWPORTS)('reader pages at $width px', async (viewport) => {
    const page = await browser.newPage({ viewport, locale: 'ar' });
    const found: Record<string, Violation[]> = {};
    for (const path of readerPages) {
      await page.goto(`${t.baseUrl}${path}`);
      const v = await violations(page);
      if (v.length > 0) {
        found[path.replace(/token=[^&]+/, 'token=…')] = v;
      }
    }
    expect(found).toEqual({});
    await page.close();
  });
});
