import request from 'supertest';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { ReaderLifecycle } from '../../src/subscribers/reader-lifecycle';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { FakeClock } from '../helpers/fake-clock';
import { type ReceivedMessage, SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { confirmationTo, confirmToken, formActions, postJson, settle, subscriberByKey } from './reader-steps';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const SUBJECTS = {
  welcome: 'أهلاً بك في نشرة الحل نت',
  reminder: 'تذكير: أكّد اشتراكك في نشرة الحل نت',
  sunset: 'هل ما زلت تريد نشرة الحل نت؟',
};

/** Welcome, reminder and sunset emails under the fake clock: each once, at its time, through the outbox. */
describe('Readers: lifecycle emails', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const clock = new FakeClock();

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ clock, env: { SMTP_URL: sink.url, SUNSET_AFTER_DAYS: '30' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  /** Runs the lifecycle job (as its interval would) and lets every queued email reach the SMTP server. */
  async function runJob() {
    const run = await t.get(ReaderLifecycle).runOnce();
    await t.get(TransactionalOutbox).idle();
    await settle(200);
    return run;
  }

  function mails(email: string, kind: keyof typeof SUBJECTS): ReceivedMessage[] {
    return sink.to(email).filter((m) => m.parsed.subject === SUBJECTS[kind]);
  }

  async function waitForMail(email: string, kind: keyof typeof SUBJECTS): Promise<ReceivedMessage> {
    for (let i = 0; i < 300 && mails(email, kind).length === 0; i++) {
      await settle(50);
    }
    expect(mails(email, kind)).toHaveLength(1);
    return mails(email, kind)[0];
  }

  async function signUp(email: string): Promise<string> {
    await postJson(t, { email }).expect(200);
    return confirmToken(await confirmationTo(sink, email));
  }

  async function activeReader(email: string): Promise<void> {
    const token = await signUp(email);
    await request(t.baseUrl).post(`/subscriptions/confirm?token=${token}`).expect(200);
  }

  it('a welcome email follows the confirmation, once, with the reader’s own links', async () => {
    await activeReader('welcome@example.com');
    const welcome = await waitForMail('welcome@example.com', 'welcome');
    const html = String(welcome.parsed.html);
    expect(html).toMatch(/<html[^>]*\bdir="rtl"/);
    expect(html).toContain('/subscriptions/preferences?token=');
    expect(html).toContain('/subscriptions/unsubscribe?token=');
    expect(html).not.toContain('NASHRA-');

    await runJob();
    clock.advance(2 * DAY);
    await runJob();
    expect(mails('welcome@example.com', 'welcome')).toHaveLength(1);
  });

  it('one reminder to a reader still pending 24 hours after the confirmation email, then never again', async () => {
    await signUp('late@example.com');
    await activeReader('prompt@example.com');

    clock.advance(23 * HOUR);
    expect((await runJob()).reminders).toBe(0);
    expect(mails('late@example.com', 'reminder')).toHaveLength(0);

    clock.advance(HOUR + 60_000);
    await runJob();
    const reminder = await waitForMail('late@example.com', 'reminder');
    expect(mails('prompt@example.com', 'reminder')).toHaveLength(0);

    // The job runs again, days later: nothing more, ever.
    await runJob();
    clock.advance(3 * DAY);
    await runJob();
    expect(mails('late@example.com', 'reminder')).toHaveLength(1);
    expect((await subscriberByKey(t, 'late@example.com'))!.status).toBe('pending');

    // Its link (a fresh one, valid CONFIRM_TOKEN_TTL_HOURS from the reminder) confirms the reader.
    await signUp('later@example.com');
    clock.advance(24 * HOUR + 60_000);
    await runJob();
    const second = await waitForMail('later@example.com', 'reminder');
    await request(t.baseUrl)
      .post(`/subscriptions/confirm?token=${confirmToken(second)}`)
      .expect(200);
    expect((await subscriberByKey(t, 'later@example.com'))!.status).toBe('active');
    expect(confirmToken(reminder)).not.toBe(confirmToken(second));
  });

  it('sunset: one "still want this?" email after SUNSET_AFTER_DAYS; a click on keep stays, silence leaves', async () => {
    await t.dataSource.query('DELETE FROM subscribers');
    await activeReader('keeper@example.com');
    await activeReader('quiet@example.com');
    clock.advance(29 * DAY);
    await runJob();
    expect(mails('keeper@example.com', 'sunset')).toHaveLength(0);

    clock.advance(DAY + HOUR);
    await runJob();
    const keeperMail = await waitForMail('keeper@example.com', 'sunset');
    await waitForMail('quiet@example.com', 'sunset');
    await runJob();
    expect(mails('quiet@example.com', 'sunset')).toHaveLength(1);

    // The keep link opens a page whose one button keeps the reader (opening the link alone changes nothing).
    const keepUrl = /href="([^"]*\/subscriptions\/keep\?token=[^"]+)"/.exec(String(keeperMail.parsed.html))![1];
    const keepPath = new URL(keepUrl).pathname + new URL(keepUrl).search;
    const page = await request(t.baseUrl).get(keepPath).expect(200);
    const [action] = formActions(page.text);
    expect(action).toBe(keepPath);
    clock.advance(DAY);
    const kept = await request(t.baseUrl).post(action).expect(200);
    expect(kept.text).toContain('سنبقيك مشتركاً');

    // Fourteen days after the email: the reader who did not click leaves with reason inactive.
    clock.advance(13 * DAY);
    expect((await runJob()).unsubscribed).toBe(1);
    const quiet = await t.dataSource.query(
      `SELECT status, unsubscribe_reason FROM subscribers WHERE email_key = 'quiet@example.com'`,
    );
    expect(quiet).toEqual([{ status: 'unsubscribed', unsubscribe_reason: 'inactive' }]);
    expect((await subscriberByKey(t, 'keeper@example.com'))!.status).toBe('active');

    // Running again changes nothing, and the kept reader gets no second sunset email until they are quiet again.
    expect(await runJob()).toEqual({ reminders: 0, sunsets: 0, unsubscribed: 0 });
    expect(mails('keeper@example.com', 'sunset')).toHaveLength(1);
    expect(mails('quiet@example.com', 'sunset')).toHaveLength(1);
    clock.advance(17 * DAY); // 31 days after the click
    await runJob();
    expect(mails('keeper@example.com', 'sunset')).toHaveLength(2);
  });

  it('the keep link refuses a forged token, and a reader who already left gets no keep', async () => {
    await request(t.baseUrl).get('/subscriptions/keep?token=1.AAAAAAAAAAAAAAAAAAAAAA').expect(400);
    await request(t.baseUrl).post('/subscriptions/keep?token=1.AAAAAAAAAAAAAAAAAAAAAA').expect(400);
    const quiet = await subscriberByKey(t, 'quiet@example.com');
    const refused = await request(t.baseUrl)
      .post(`/subscriptions/keep?token=${t.get(SubscriberLinks).token(quiet!.id)}`)
      .expect(409);
    expect(refused.text).toContain('اشتراكك غير فعّال');
    expect((await subscriberByKey(t, 'quiet@example.com'))!.status).toBe('unsubscribed');
  });
});
