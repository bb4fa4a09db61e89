import request from 'supertest';
import { DigestScheduler } from '../../src/digests/digest-scheduler';
import { insertArticle } from '../factories/articles';
import { insertReader } from '../factories/readers';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import type { ReceivedMessage } from '../helpers/smtp-sink';
import { waitFor } from '../helpers/wait-for';

type ListHeader = Record<string, Record<string, string>>;
const listOf = (m: ReceivedMessage) => m.parsed.headers.get('list') as ListHeader;

describe('Newsletters: each reader gets the newsletters they chose, each edition once', () => {
  const app = appWithSmtpSink();
  const t = () => app.t;

  const editionStatus = async (id: string) =>
    ((await t().dataSource.query(`SELECT status FROM editions WHERE id = $1`, [id])) as Array<{ status: string }>)[0]
      .status;
  const sent = (id: string) =>
    waitFor(
      () => editionStatus(id),
      (s) => s === 'sent',
      30_000,
      `edition ${id} sent`,
    );
  /** Messages of one edition (by subject) a reader received. */
  const got = (email: string, subject: string) => app.sink.to(email).filter((m) => m.parsed.subject === subject);
  const subjectOf = async (id: string) =>
    ((await t().dataSource.query(`SELECT subject FROM editions WHERE id = $1`, [id])) as Array<{ subject: string }>)[0]
      .subject;

  let ids: Record<string, string>;
  let daily: { id: string; subject: string };
  let weekly: { id: string; subject: string };

  it('daily+breaking gets the daily and the alert, weekly-only no alert, daily+weekly both once', async () => {
    ids = {
      dailyBreaking: await insertReader(t().dataSource, 'daily-breaking@example.org', {
        newsletters: ['daily', 'breaking'],
      }),
      weeklyOnly: await insertReader(t().dataSource, 'weekly-only@example.org', {
        frequency: 'weekly',
        newsletters: ['weekly'],
      }),
      both: await insertReader(t().dataSource, 'both@example.org', { newsletters: ['daily', 'weekly'] }),
    };
    const article = await insertArticle(t().dataSource, {
      title: 'البرلمان يقرّ موازنة 2027 بعد جلسة طويلة',
      topics: ['سياسة'],
      publishedAt: new Date(Date.now() - 3600_000),
    });
    const scheduler = t().get(DigestScheduler);
    const d = (await scheduler.runScheduled('daily'))!;
    const w = (await scheduler.runScheduled('weekly'))!;
    expect(d.key).toMatch(/^daily:\d{4}-\d\d-\d\d$/);
    expect(w.key).toMatch(/^weekly:\d{4}-W\d\d$/);
    await sent(d.id);
    await sent(w.id);
    daily = { id: d.id, subject: await subjectOf(d.id) };
    weekly = { id: w.id, subject: await subjectOf(w.id) };

    const alert = await request(t().baseUrl)
      .post('/admin/digests/breaking')
      .set('Authorization', t().editorAuth)
      .send({ articleId: article.id })
      .expect(201);
    await sent(alert.body.id as string);
    const alertSubject = alert.body.subject as string;

    expect(got('daily-breaking@example.org', daily.subject)).toHaveLength(1);
    expect(got('daily-breaking@example.org', weekly.subject)).toHaveLength(0);
    expect(got('daily-breaking@example.org', alertSubject)).toHaveLength(1);
    expect(got('weekly-only@example.org', weekly.subject)).toHaveLength(1);
    expect(got('weekly-only@example.org', daily.subject)).toHaveLength(0);
    expect(got('weekly-only@example.org', alertSubject)).toHaveLength(0);
    expect(got('both@example.org', daily.subject)).toHaveLength(1);
    expect(got('both@example.org', weekly.subject)).toHaveLength(1);
    expect(got('both@example.org', alertSubject)).toHaveLength(0);
    // Two dailies, two weeklies, one alert: nothing else.
    expect(app.sink.messages).toHaveLength(5);
  });

  it('the history API filters editions by newsletter and names each one', async () => {
    const weeklies = await request(t().baseUrl)
      .get('/admin/digests?newsletter=weekly')
      .set('Authorization', t().editorAuth)
      .expect(200);
    expect((weeklies.body.items as Array<{ id: string; newsletter: string }>).map((e) => [e.id, e.newsletter])).toEqual(
      [[weekly.id, 'weekly']],
    );
    const all = await request(t().baseUrl).get('/admin/digests').set('Authorization', t().editorAuth).expect(200);
    expect((all.body.items as Array<{ newsletter: string }>).map((e) => e.newsletter).sort()).toEqual([
      'breaking',
      'daily',
      'weekly',
    ]);
  });

  it('daily and weekly carry their own List-Id and one-click link', () => {
    const [d] = got('both@example.org', daily.subject);
    const [w] = got('both@example.org', weekly.subject);
    expect(listOf(d).id.id).toMatch(/^daily\./);
    expect(listOf(w).id.id).toMatch(/^weekly\./);
    expect(listOf(d).id.id).not.toBe(listOf(w).id.id);
    expect(listOf(d).unsubscribe.url).toContain('&newsletter=daily');
    expect(listOf(w).unsubscribe.url).toContain('&newsletter=weekly');
    expect(listOf(w)['unsubscribe-post'].name).toBe('List-Unsubscribe=One-Click');
  });

  it("a one-click POST to the weekly email's List-Unsubscribe ends only weekly; the next daily still arrives", async () => {
    const [w] = got('both@example.org', weekly.subject);
    const url = new URL(listOf(w).unsubscribe.url);
    // Opening the link changes nothing: the page names the newsletter and offers leaving all of them.
    const opened = await request(t().baseUrl).get(`${url.pathname}${url.search}`).expect(200);
    expect(opened.text).toContain('إلغاء الاشتراك في «النشرة الأسبوعية»');
    expect(opened.text).toContain('ألغِ كل اشتراكاتي');
    // What a mail provider sends (RFC 8058): a POST with this body, no cookie.
    const page = await request(t().baseUrl)
      .post(`${url.pathname}${url.search}`)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(page.text).toContain('أُلغي اشتراكك في «النشرة الأسبوعية»');
    expect(page.text).toContain('النشرة اليومية'); // still receiving
    expect(page.text).toContain('ألغِ كل اشتراكاتي');

    await insertArticle(t().dataSource, { title: 'ارتفاع أسعار الذهب في أسواق بغداد', topics: ['اقتصاد'] });
    const next = await request(t().baseUrl)
      .post('/admin/digests')
      .set('Authorization', t().editorAuth)
      .send({ newsletter: 'daily', subject: 'اليومية: عدد اليوم التالي' })
      .expect(201);
    await sent(next.body.id as string);
    expect(got('both@example.org', next.body.subject as string)).toHaveLength(1);

    const exported = await request(t().baseUrl)
      .get(`/admin/subscribers/${ids.both}/export`)
      .set('Authorization', t().editorAuth)
      .expect(200);
    expect(exported.body.subscriber.status).toBe('active');
    expect(
      (exported.body.subscriptions as Array<{ newsletter: string; status: string }>).map((s) => [
        s.newsletter,
        s.status,
      ]),
    ).toEqual([
      ['daily', 'active'],
      ['weekly', 'unsubscribed'],
    ]);

    // And the next weekly does not reach them.
    await insertArticle(t().dataSource, { title: 'خلاصة الأسبوع في الاقتصاد', topics: ['اقتصاد'] });
    const nextWeekly = await request(t().baseUrl)
      .post('/admin/digests')
      .set('Authorization', t().editorAuth)
      .send({ frequency: 'weekly', subject: 'الأسبوعية: العدد التالي' })
      .expect(201);
    await sent(nextWeekly.body.id as string);
    expect(got('weekly-only@example.org', nextWeekly.body.subject as string)).toHaveLength(1);
    expect(got('both@example.org', nextWeekly.body.subject as string)).toHaveLength(0);
  });

  it('an older unsubscribe link without a newsletter still ends everything', async () => {
    const [d] = got('daily-breaking@example.org', daily.subject);
    const url = new URL(listOf(d).unsubscribe.url);
    url.searchParams.delete('newsletter');
    await request(t().baseUrl).post(`${url.pathname}${url.search}`).send('List-Unsubscribe=One-Click').expect(200);
    const rows: Array<{ status: string }> = await t().dataSource.query(
      `SELECT status FROM subscriptions WHERE subscriber_id = $1 UNION ALL
       SELECT status FROM subscribers WHERE id = $1`,
      [ids.dailyBreaking],
    );
    expect(rows.map((r) => r.status).sort()).toEqual(['unsubscribed', 'unsubscribed', 'unsubscribed']);
  });
});
