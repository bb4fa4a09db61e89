import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { WarmUp } from '../../src/deliverability/warm-up';
import { insertEdition, insertRender, setEditionStatus } from '../delivery/ledger-fixtures';
import request from 'supertest';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { FakeClock } from '../helpers/fake-clock';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Issue 25: a new domain warms up. With WARMUP_START_PER_DAY=1000 (growing 50 % a day), an edition to 5,000
 * readers sends 1,000 on its first day, to the most engaged readers, and goes on the next day (fake clock).
 */
describe('Deliverability: warm-up of a new domain', () => {
  const clock = new FakeClock(new Date('2026-11-24T08:00:00Z'));
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      clock,
      env: {
        SMTP_URL: sink.url,
        WARMUP_START_PER_DAY: '1000',
        WARMUP_GROWTH_PERCENT: '50',
        DELIVERY_BATCH_SIZE: '100',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const count = async (sql: string, params: unknown[]) => Number((await t.dataSource.query(sql, params))[0].n);

  it('sends 1,000 on day one, most engaged first, the rest on the next days as the plan says', async () => {
    // 5,000 readers; one in five clicked last week, the others not for months.
    await t.dataSource.query(
      `INSERT INTO subscribers (email, email_key, status, frequency, topics, confirmed_at, last_engaged_at)
       SELECT 'w' || i || '@example.org', 'w' || i || '@example.org', 'active', 'daily', '{}', now(),
              CASE WHEN i % 5 = 0 THEN now() - make_interval(hours => i % 100) ELSE now() - interval '200 days' END
       FROM generate_series(1, 5000) i`,
    );
    // They take the daily (issue 21: an edition reaches its newsletter's subscribers).
    await t.dataSource.query(
      `INSERT INTO subscriptions (subscriber_id, newsletter_id, status)
       SELECT s.id, n.id, 'active' FROM subscribers s, newsletters n WHERE n.slug = 'daily' AND s.email LIKE 'w%'`,
    );
    const edition = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, edition);
    await t.get(DeliveryQueue).queueEdition(edition);
    await setEditionStatus(t.dataSource, edition, 'sending');
    const sent = () =>
      count(`SELECT count(*) AS n FROM deliveries WHERE edition_id = $1 AND status = 'sent'`, [edition]);
    const due = () =>
      count(
        `SELECT count(*) AS n FROM deliveries WHERE edition_id = $1
           AND (status = 'sending' OR (status = 'queued' AND next_attempt_at <> 'infinity'))`,
        [edition],
      );

    await waitFor(sent, (n) => n === 1000, 60_000, '1,000 sent');
    expect(await due()).toBe(0); // nothing more is on its way today
    expect(sink.messages).toHaveLength(1000);
    // Day one went to the readers who engaged most recently: exactly the one in five who clicked last week.
    const numbers = sink.messages.map((m) => Number(/^w(\d+)@/.exec(m.to[0])![1]));
    expect(numbers.every((i) => i % 5 === 0)).toBe(true);
    expect((await t.dataSource.query(`SELECT status FROM editions WHERE id = $1`, [edition]))[0].status).toBe(
      'sending',
    );

    const plan = await t.get(WarmUp).plan();
    expect(plan).toMatchObject({
      on: true,
      startedOn: '2026-11-24',
      today: { day: '2026-11-24', allowance: 1000, released: 1000 },
      held: 4000,
    });
    expect(plan.nextDays).toEqual([
      { day: '2026-11-25', allowance: 1500, sends: 1500 },
      { day: '2026-11-26', allowance: 2250, sends: 2250 },
      { day: '2026-11-27', allowance: 3375, sends: 250 },
    ]);

    // The Deliverability screen shows the plan.
    await createEditor(t.dataSource, DEFAULT_EDITOR);
    const agent = request.agent(t.baseUrl);
    await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR });
    const page = (await agent.get('/admin/deliverability').set('Accept', 'text/html').expect(200)).text;
    expect(page).toContain('أُطلقت 1000 من حصة 1000 رسالة');
    expect(page).toContain('بانتظار الأيام القادمة: 4000 رسالة');
    expect(page).toMatch(/<td dir="ltr">2026-11-25<\/td><td class="num">1,500<\/td><td class="num">1,500<\/td>/);

    // The next day the allowance grows by half and the edition goes on.
    clock.advance(DAY_MS);
    await t.get(WarmUp).runOnce();
    await waitFor(sent, (n) => n === 2500, 60_000, '2,500 sent');
    expect(await due()).toBe(0);
    expect((await t.get(WarmUp).plan()).held).toBe(2500);
  });
});
