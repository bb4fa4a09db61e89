import request from 'supertest';
import { SmtpSink } from '../helpers/smtp-sink';
import { FakeClock } from '../helpers/fake-clock';
import { startTestApp, TestApp } from '../helpers/test-app';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { SubscriptionsService } from '../../src/subscribers/subscriptions.service';
import {
  ARABIC,
  clientIp,
  confirmToken,
  formActions,
  postForm,
  postJson,
  settle,
  subscriberByKey,
  subscribers,
} from './reader-steps';

const SEED_FOOTER =
  'هل أعجبك المحتوى وتريد المزيد منه يصل إلى صندوق بريدك الإلكتروني بشكلٍ دوري؟ انضم إلى قائمة من يقدّرون محتوى الحل نت واشترك بنشرتنا البريدية.';

describe('Readers: signup and the confirmation email', () => {
  let t: TestApp;
  let sink: SmtpSink;
  const clock = new FakeClock();

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      clock,
      env: {
        SMTP_URL: sink.url,
        SIGNUP_RATE_LIMIT_PER_MINUTE: '5',
        // These tests post one address many times on purpose; test/hardening covers the per-address limit.
        SIGNUP_ADDRESS_LIMIT_PER_HOUR: '100',
        SITE_ORIGINS: 'https://www.example.net',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  beforeEach(async () => {
    await t.get(TransactionalOutbox).idle();
    sink.clear();
    await t.dataSource.query('DELETE FROM subscribers');
    await t.dataSource.query('DELETE FROM suppressions');
  });

  it('a form post without JavaScript stores one pending reader with consent and mails one RTL confirmation', async () => {
    const article = 'https://www.example.net/2026/11/peshmerga-training';
    const res = await postForm(t, { email: 'form-reader@example.com', frequency: 'weekly' })
      .set('Referer', article)
      .set('User-Agent', 'ReaderBrowser/1.0')
      .expect(303);
    expect(res.headers.location).toBe(`${t.baseUrl}/subscriptions/thanks`);
    const thanks = await request(t.baseUrl).get('/subscriptions/thanks').expect(200);
    expect(thanks.text).toContain('أرسلنا إليك رسالة لتأكيد اشتراكك');

    const rows = await subscribers(t);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: 'form-reader@example.com', status: 'pending', frequency: 'weekly' });
    expect(rows[0].consent).toMatchObject({ page: article, userAgent: 'ReaderBrowser/1.0', wording: SEED_FOOTER });
    expect(rows[0].consent!.ip).toMatch(/^198\.51\./);
    expect(rows[0].consent!.at).toBe(clock.now().toISOString());

    const [mail] = await sink.waitForMessages(1);
    await settle();
    expect(sink.messages).toHaveLength(1);
    expect(mail.to).toEqual(['form-reader@example.com']);
    expect(mail.parsed.subject).toBe('أكّد اشتراكك في نشرة الحل نت');
    const html = String(mail.parsed.html);
    expect(html).toMatch(/<html[^>]*\blang="ar"/);
    expect(html).toMatch(/<html[^>]*\bdir="rtl"/);
    // MJML columns default to direction:ltr, which puts Arabic punctuation at the wrong end of each line.
    expect(html).not.toMatch(/direction:\s*ltr/);
    expect(mail.parsed.text).toContain('لتأكيد اشتراكك اضغط الزر');

    // The link opens a page (nothing changes); the page's button POSTs and confirms.
    const token = confirmToken(mail);
    expect(mail.parsed.text).toContain(`/subscriptions/confirm?token=${token}`);
    const page = await request(t.baseUrl).get(`/subscriptions/confirm?token=${token}`).expect(200);
    expect(formActions(page.text)).toEqual([`/subscriptions/confirm?token=${token}`]);
    expect((await subscribers(t))[0].status).toBe('pending');
    const done = await request(t.baseUrl).post(`/subscriptions/confirm?token=${token}`).expect(200);
    expect(done.text).toContain('تم تأكيد اشتراكك');
    const [confirmed] = await subscribers(t);
    expect(confirmed.status).toBe('active');
    expect(confirmed.confirmed_at).toEqual(clock.now());
  });

  it('a JSON post answers 200 { message } in Arabic and mails one confirmation', async () => {
    const res = await postJson(t, { email: 'json-reader@example.com' }).expect(200);
    expect(res.body).toEqual({ message: expect.stringMatching(ARABIC) });
    const rows = await subscribers(t);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: 'json-reader@example.com', status: 'pending', frequency: 'daily' });
    const [mail] = await sink.waitForMessages(1);
    expect(String(mail.parsed.html)).toMatch(/<html[^>]*\bdir="rtl"[^>]*>|<html[^>]*\blang="ar"[^>]*\bdir="rtl"/);
    await request(t.baseUrl)
      .post(`/subscriptions/confirm?token=${confirmToken(mail)}`)
      .expect(200);
    expect((await subscribers(t))[0].status).toBe('active');
  });

  it('sends a no-JavaScript reader back to the article with ?nashra=ok, but only on a configured site', async () => {
    const back = await postForm(t, {
      email: 'back@example.com',
      redirect: 'https://www.example.net/2026/article?id=7',
    }).expect(303);
    expect(back.headers.location).toBe('https://www.example.net/2026/article?id=7&nashra=ok');
    const elsewhere = await postForm(t, { email: 'back2@example.com', redirect: 'https://evil.example/x' }).expect(303);
    expect(elsewhere.headers.location).toBe(`${t.baseUrl}/subscriptions/thanks`);
  });

  it('signing up twice, or as Reader@Example.COM after reader@example.com, keeps one reader and answers alike', async () => {
    const first = await postJson(t, { email: 'reader@example.com' }).expect(200);
    const second = await postJson(t, { email: 'reader@example.com' }).expect(200);
    const third = await postJson(t, { email: 'Reader@Example.COM' }).expect(200);
    const formFirst = await postForm(t, { email: 'reader@example.com' });
    const formCase = await postForm(t, { email: 'Reader@Example.COM' });
    expect(second.body).toEqual(first.body);
    expect(third.body).toEqual(first.body);
    expect([formCase.status, formCase.headers.location]).toEqual([formFirst.status, formFirst.headers.location]);

    const rows = await subscribers(t);
    expect(rows).toHaveLength(1);
    expect(rows[0].email).toBe('reader@example.com');
    await sink.waitForMessages(1);
    await t.get(TransactionalOutbox).idle();
    await settle();
    expect(sink.messages).toHaveLength(1); // at most one confirmation per 10 minutes

    // Once active (the welcome email follows the confirmation), signing up again answers the same and sends
    // nothing new.
    await request(t.baseUrl)
      .post(`/subscriptions/confirm?token=${confirmToken(sink.messages[0])}`)
      .expect(200);
    await sink.waitForMessages(2);
    expect(sink.messages[1].parsed.subject).toBe('أهلاً بك في نشرة الحل نت');
    clock.advance(11 * 60 * 1000);
    const active = await postJson(t, { email: 'READER@example.com' }).expect(200);
    expect(active.body).toEqual(first.body);
    await t.get(TransactionalOutbox).idle();
    await settle();
    expect(sink.messages).toHaveLength(2);
    expect((await subscribers(t))[0].status).toBe('active');
  });

  it('mails a pending reader again only after 10 minutes, and only the newest link works', async () => {
    await postJson(t, { email: 'slow@example.com' }).expect(200);
    await sink.waitForMessages(1);
    clock.advance(9 * 60 * 1000);
    await postJson(t, { email: 'slow@example.com' }).expect(200);
    await t.get(TransactionalOutbox).idle();
    await settle();
    expect(sink.messages).toHaveLength(1);
    clock.advance(2 * 60 * 1000);
    await postJson(t, { email: 'slow@example.com' }).expect(200);
    await sink.waitForMessages(2);
    const [older, newer] = sink.messages;
    expect(confirmToken(older)).not.toBe(confirmToken(newer));
    await request(t.baseUrl)
      .post(`/subscriptions/confirm?token=${confirmToken(older)}`)
      .expect(400);
    await request(t.baseUrl)
      .post(`/subscriptions/confirm?token=${confirmToken(newer)}`)
      .expect(200);
  });

  it('a reader who left and signs up again within 10 minutes gets a new confirmation at once', async () => {
    await postJson(t, { email: 'back-again@example.com' }).expect(200);
    const [first] = await sink.waitForMessages(1);
    await request(t.baseUrl)
      .post(`/subscriptions/confirm?token=${confirmToken(first)}`)
      .expect(200);
    await sink.waitForMessages(2); // the welcome email
    const [reader] = await subscribers(t);
    await t.get(SubscriptionsService).unsubscribe(reader.id);
    clock.advance(2 * 60 * 1000);
    await postJson(t, { email: 'back-again@example.com' }).expect(200);
    const [, , again] = await sink.waitForMessages(3);
    expect(again.parsed.subject).toBe('أكّد اشتراكك في نشرة الحل نت');
    expect(confirmToken(again)).not.toBe(confirmToken(first));
    expect((await subscribers(t))[0].status).toBe('pending');
  });

  it('an internationalised address (قارئ@مثال.شبكة) signs up and receives the confirmation', async () => {
    await postForm(t, { email: ' قارئ@مثال.شبكة ' }).expect(303);
    const row = await subscriberByKey(t, 'قارئ@مثال.شبكة');
    expect(row).toMatchObject({ email: 'قارئ@مثال.شبكة', status: 'pending' });
    const [mail] = await sink.waitForMessages(1);
    expect(mail.to).toHaveLength(1);
    expect(mail.to[0]).toMatch(/^قارئ@(مثال\.شبكة|xn--mgbh0fb\.xn--ngbc5azd)$/);
    await request(t.baseUrl)
      .post(`/subscriptions/confirm?token=${confirmToken(mail)}`)
      .expect(200);
    expect((await subscriberByKey(t, 'قارئ@مثال.شبكة'))!.status).toBe('active');
  });

  it('answers a bot that fills the honeypot like anyone else, and stores and mails nothing', async () => {
    const bot = await postJson(t, { email: 'bot@example.com', website: 'http://spam.example' }).expect(200);
    const human = await postJson(t, { email: 'human@example.com', website: '' }).expect(200);
    expect(bot.body).toEqual(human.body);
    await postForm(t, { email: 'bot2@example.com', website: 'x' }).expect(303);
    await t.get(TransactionalOutbox).idle();
    await settle();
    expect((await subscribers(t)).map((r) => r.email)).toEqual(['human@example.com']);
    expect(sink.messages.map((m) => m.to[0])).toEqual(['human@example.com']);
  });

  describe('bad input gets a 4xx in Arabic, and nothing is stored or mailed', () => {
    const cases: Array<[string, unknown, number]> = [
      ['a malformed address', { email: 'not-an-address' }, 400],
      ['a missing address', { frequency: 'daily' }, 400],
      [
        'an over-long address',
        { email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.com` },
        400,
      ],
      ['header injection in the address', { email: 'victim@example.com\r\nBcc: many@example.org' }, 400],
      [
        'header injection in the page',
        { email: 'ok1@example.com', page: 'https://www.example.net/\r\nX-Evil: 1' },
        400,
      ],
      ['a script in the address', { email: '<script>alert(1)</script>@example.com' }, 400],
      ['markup in the page', { email: 'ok2@example.com', page: 'https://www.example.net/<b>x</b>' }, 400],
      ['an unknown field', { email: 'ok3@example.com', isAdmin: true }, 400],
      ['a wrong frequency', { email: 'ok4@example.com', frequency: 'hourly' }, 400],
      ['an address that is not text', { email: ['a@example.com', 'b@example.com'] }, 400],
      [
        'a body over the limit',
        { email: 'ok5@example.com', page: `https://www.example.net/?q=${'x'.repeat(9000)}` },
        413,
      ],
    ];

    it.each(cases)('JSON with %s → { message } in Arabic', async (_name, body, status) => {
      const res = await postJson(t, body).expect(status);
      expect(res.body).toEqual({ message: expect.stringMatching(ARABIC) });
    });

    it.each(cases)('a form post with %s → an Arabic page with the form again', async (_name, body, status) => {
      const fields = Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, String(v)]);
      const res = await postForm(t, Object.fromEntries(fields) as Record<string, string>);
      // Form fields are always strings, so a non-text address arrives as text and fails as malformed.
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).toMatch(/<html lang="ar" dir="rtl">/);
      expect(res.text).toContain('<form class="nashra-form"');
      expect(res.text).toMatch(/aria-live="polite">[^<]*[\u0600-\u06FF]{3,}/);
      expect(res.text).not.toMatch(/should not exist|must be|Bad Request/);
    });

    it('an urlencoded body over the limit (rejected before validation) → 413 Arabic page', async () => {
      const res = await postForm(t, { email: 'big@example.com', page: 'x'.repeat(20_000) }).expect(413);
      expect(res.text).toContain('البيانات المرسلة أكبر من المسموح');
    });

    it.each([
      ['a JSON array', [{ email: 'array@example.com' }]],
      ['a null address', { email: null }],
      ['a bare string', 'array@example.com'],
      ['a line separator in the address', { email: 'line\u2028sep@example.com' }],
    ])('JSON with %s → 400 { message } in Arabic', async (_name, body) => {
      const res = await postJson(t, body).expect(400);
      expect(res.body).toEqual({ message: expect.stringMatching(ARABIC) });
    });

    it('malformed JSON → 400 { message } in Arabic', async () => {
      const res = await request(t.baseUrl)
        .post('/subscriptions')
        .set('X-Forwarded-For', clientIp())
        .type('json')
        .send('{"email": ')
        .expect(400);
      expect(res.body).toEqual({ message: expect.stringMatching(ARABIC) });
    });

    afterAll(async () => {
      await t.get(TransactionalOutbox).idle();
      await settle();
      expect(await subscribers(t)).toEqual([]);
      expect(sink.messages).toEqual([]);
    });
  });

  it('limits signups per client address with an Arabic 429, without affecting other addresses', async () => {
    const ip = clientIp();
    for (let i = 0; i < 5; i++) {
      await postJson(t, { email: `burst${i}@example.com` }, ip).expect(200);
    }
    const limited = await postJson(t, { email: 'burst5@example.com' }, ip).expect(429);
    expect(limited.body).toEqual({ message: expect.stringContaining('محاولات كثيرة') });
    const limitedForm = await postForm(t, { email: 'burst6@example.com' }, ip).expect(429);
    expect(limitedForm.text).toContain('محاولات كثيرة');
    await postJson(t, { email: 'other-ip@example.com' }).expect(200);
    expect(await subscriberByKey(t, 'burst5@example.com')).toBeUndefined();
  });

  it('allows cross-origin posts only from the configured site origins', async () => {
    const preflight = await request(t.baseUrl)
      .options('/subscriptions')
      .set('Origin', 'https://www.example.net')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type')
      .expect(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://www.example.net');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/content-type/i);

    const foreign = await request(t.baseUrl)
      .options('/subscriptions')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();

    const post = await postJson(t, { email: 'cors@example.com' }).set('Origin', 'https://www.example.net').expect(200);
    expect(post.headers['access-control-allow-origin']).toBe('https://www.example.net');
    const other = await request(t.baseUrl).get('/subscriptions/thanks').set('Origin', 'https://www.example.net');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
