import { formatDateTime } from '../../src/common/formatter';
import request from 'supertest';
import { AuditLog } from '../../src/auth/audit-log';
import { insertSeedArticle, insertEdition } from '../factories/editions';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';

// Wednesday 25 November 2026, 13:00 in Baghdad.
const NOW = new Date('2026-11-25T10:00:00Z');

/** A moment as the newsroom writes it: TIMEZONE, MONTH_NAMES (levant by default), Latin digits, 24 h. */
function inBaghdad(at: string): string {
  return formatDateTime(new Date(at), { timeZone: 'Asia/Baghdad', months: 'levant', digits: 'latin' });
}

describe('Newsroom dashboard', () => {
  let t: TestApp;
  let agent: ReturnType<typeof request.agent>;

  beforeAll(async () => {
    t = await startTestApp({
      clock: new FakeClock(NOW),
      env: {
        NASHRA_ROLE: 'web',
        TIMEZONE: 'Asia/Baghdad',
        DIGEST_DAILY_CRON: '30 6 * * *',
        DIGEST_WEEKLY_CRON: '0 7 * * 5',
        FEED_URLS: 'https://www.example.net/feed/, https://never.example.net/rss',
      },
    });
    // Each reader in their frequency's digest, and in the alerts while they get mail (as the migration did).
    const reader = async (
      email: string,
      status: string,
      frequency: string,
      createdAt: string,
      unsubscribedAt?: string,
    ) => {
      await t.dataSource.query(
        `INSERT INTO subscribers (email, email_key, status, frequency, created_at, unsubscribed_at)
         VALUES ($1, $1, $2, $3, $4, $5)`,
        [email, status, frequency, createdAt, unsubscribedAt ?? null],
      );
      await t.dataSource.query(
        `INSERT INTO subscriptions (subscriber_id, newsletter_id, status)
         SELECT s.id, n.id, CASE WHEN s.status = 'unsubscribed' THEN 'unsubscribed' ELSE 'active' END
           FROM subscribers s JOIN newsletters n ON n.slug = s.frequency
                OR (n.slug = 'breaking' AND s.status IN ('active', 'pending'))
          WHERE s.email_key = $1`,
        [email],
      );
    };
    await reader('a@example.net', 'active', 'daily', '2026-11-25T08:00:00Z');
    await reader('b@example.net', 'active', 'daily', '2026-11-25T09:00:00Z');
    await reader('c@example.net', 'active', 'weekly', '2026-11-20T09:00:00Z');
    await reader('d@example.net', 'pending', 'daily', '2026-11-24T22:30:00Z'); // 25 Nov in Baghdad
    await reader('e@example.net', 'unsubscribed', 'weekly', '2026-09-01T09:00:00Z', '2026-11-24T12:00:00Z');
    await reader('f@example.net', 'active', 'daily', '2026-09-01T09:00:00Z'); // before the chart's 30 days
    await t.dataSource.query(
      `INSERT INTO feeds (url, last_status, last_error, last_polled_at, last_success_at, consecutive_failures)
       VALUES ('https://www.example.net/feed/', 'error', 'HTTP 503 from the feed', $1, $2, 4)`,
      ['2026-11-25T09:55:00Z', '2026-11-24T09:00:00Z'],
    );
    const article = await insertSeedArticle(t.dataSource);
    const edition = await insertEdition(t.dataSource, {
      articleIds: [article.id],
      status: 'sent',
      subject: 'نشرة الأربعاء',
    });
    const [subscriber] = (await t.dataSource.query(`SELECT id FROM subscribers ORDER BY id LIMIT 1`)) as {
      id: string;
    }[];
    await t.dataSource.query(`INSERT INTO deliveries (edition_id, subscriber_id, status) VALUES ($1, $2, 'sent')`, [
      edition.id,
      subscriber.id,
    ]);
    await t.get(AuditLog).record('api-token', 'edition.pause', `edition ${edition.id}`);
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows readers by status and each newsletter with its active readers, and 30 days of sign-ups and unsubscribes as chart data', async () => {
    const page = (await agent.get('/admin').expect(200)).text;
    expect(page).toMatch(/<span class="stat">4<\/span> قارئًا نشطًا/);
    // Active readers per newsletter, from the kept counts: the pending and the unsubscribed reader are not in them.
    const byNewsletter = /<ul class="plain" id="readers-by-newsletter"[^>]*>(.*?)<\/ul>/s.exec(page)![1];
    const items = [...byNewsletter.matchAll(/<li data-newsletter="([a-z-]+)">.*?<strong>(.*?)<\/strong><\/li>/gs)];
    expect(items.map(([, slug, n]) => [slug, n])).toEqual([
      ['daily', '3 قرّاء نشطين'],
      ['weekly', 'قارئ نشط واحد'],
      ['breaking', '4 قرّاء نشطين'],
    ]);
    expect(page).toContain('بانتظار التأكيد: <strong>1</strong>');
    expect(page).toContain('ألغى الاشتراك: <strong>1</strong>');
    const json = /<script type="application\/json" id="reader-chart-data">(.*?)<\/script>/s.exec(page)![1];
    const chart = JSON.parse(json) as { labels: string[]; signups: number[]; unsubscribes: number[] };
    expect(chart.labels).toHaveLength(30);
    expect(chart.labels.at(-1)).toBe('25/11');
    expect(chart.labels[0]).toBe('27/10');
    expect(chart.signups.at(-1)).toBe(3); // a, b, and d (late on the 24th in UTC, the 25th in Baghdad)
    expect(chart.signups.at(-6)).toBe(1); // c on the 20th
    expect(chart.unsubscribes.at(-2)).toBe(1); // e on the 24th
    expect(chart.signups.reduce((a, b) => a + b, 0)).toBe(4);
    expect(page).toContain('<script src="/admin/assets/chart.umd.min.js" defer></script>');
  });

  it('shows the next daily and weekly editions in TIMEZONE, feeds’ health, the last editions and the audit log', async () => {
    const page = (await agent.get('/admin').expect(200)).text;
    // Tomorrow 06:30 and Friday 07:00, Baghdad time.
    expect(page).toContain(`العدد اليومي: <strong>${inBaghdad('2026-11-26T03:30:00Z')}</strong>`);
    expect(page).toContain(`العدد الأسبوعي: <strong>${inBaghdad('2026-11-27T04:00:00Z')}</strong>`);
    expect(page).toContain('Asia/Baghdad');
    expect(page).toMatch(/https:\/\/www\.example\.net\/feed\/<\/td>\s*<td><span class="badge error">يفشل<\/span>/);
    expect(page).toContain('HTTP 503 from the feed');
    expect(page).toMatch(/https:\/\/never\.example\.net\/rss<\/td>\s*<td><span class="badge ">لم يُجلب بعد/);
    expect(page).toMatch(/نشرة الأربعاء<\/a><\/td>\s*<td>يومي<\/td>\s*<td><span class="badge ok">أُرسل<\/span>/);
    // The log's keys in Arabic words: the action, its subject and the API token as the actor.
    expect(page).toContain('أوقف إرسال عدد مؤقتًا');
    expect(page).toMatch(/<td>العدد \d+<\/td>/);
    expect(page).toContain('واجهة البرمجة (الرمز)');
    expect(page).toContain('دخل إلى غرفة التحرير');
  });
});
