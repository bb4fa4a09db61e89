import request from 'supertest';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { insertEdition, insertSeedArticle } from '../factories/editions';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { ARABIC, settle } from '../readers/reader-steps';

const SITE = 'https://www.example.net';

describe('Hardening: the reader edge (origins, security headers)', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, SITE_ORIGINS: SITE, SIGNUP_RATE_LIMIT_PER_MINUTE: '1000' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  const signupJson = (email: string, headers: Record<string, string> = {}) =>
    request(t.baseUrl).post('/subscriptions').set(headers).set('Accept', 'application/json').send({ email });
  const signupForm = (email: string, headers: Record<string, string> = {}) =>
    request(t.baseUrl)
      .post('/subscriptions')
      .set(headers)
      .type('form')
      .send(`email=${encodeURIComponent(email)}`);
  const stored = async (email: string) =>
    ((await t.dataSource.query('SELECT id FROM subscribers WHERE email = $1', [email])) as unknown[]).length;

  describe('origins', () => {
    it('refuses a JSON or form signup posted from a foreign site with 403 in Arabic; nothing stored or mailed', async () => {
      const json = await signupJson('evil-json@example.com', { Origin: 'http://evil.example' });
      expect(json.status).toBe(403);
      expect(json.body.message).toMatch(ARABIC);
      const form = await signupForm('evil-form@example.com', { Origin: 'http://evil.example' });
      expect(form.status).toBe(403);
      expect(form.headers['content-type']).toMatch(/text\/html/);
      expect(form.text).toMatch(ARABIC);
      // A sandboxed frame posts with Origin "null"; only a browser-vouched same-origin null passes.
      await signupForm('evil-null@example.com', { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }).expect(403);
      await signupJson('evil-sub@example.com', { Origin: 'https://www.example.net.evil.example' }).expect(403);
      await t.get(TransactionalOutbox).idle();
      await settle();
      for (const email of ['evil-json', 'evil-form', 'evil-null', 'evil-sub']) {
        expect(await stored(`${email}@example.com`)).toBe(0);
      }
      expect(sink.messages).toHaveLength(0);
    });

    it('accepts posts from SITE_ORIGINS, from nashra itself, and without any Origin (no browser)', async () => {
      await signupJson('site@example.com', { Origin: SITE }).expect(200);
      await signupForm('self@example.com', { Origin: t.baseUrl }).expect(303);
      await signupForm('null-same@example.com', { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' }).expect(303);
      await signupJson('curl@example.com').expect(200);
      await t.get(TransactionalOutbox).idle();
      for (const email of ['site', 'self', 'null-same', 'curl']) {
        expect(await stored(`${email}@example.com`)).toBe(1);
      }
      await sink.waitForMessages(4);
    });
  });

  describe('security headers', () => {
    const expectUnframeable = (res: request.Response, page: string) => {
      expect([page, res.headers['content-security-policy']]).toEqual([
        page,
        expect.stringContaining("frame-ancestors 'none'"),
      ]);
      expect([page, res.headers['x-frame-options']]).toEqual([page, 'DENY']);
      expect([page, res.headers['x-content-type-options']]).toEqual([page, 'nosniff']);
      expect([page, res.headers['referrer-policy']]).toEqual([page, 'same-origin']);
    };

    it('lets only nashra and SITE_ORIGINS frame the embed form; the script loads cross-origin', async () => {
      const form = await request(t.baseUrl).get('/embed/form').expect(200);
      expect(form.headers['content-security-policy']).toContain(`frame-ancestors 'self' ${SITE}`);
      expect(form.headers['x-frame-options']).toBeUndefined();
      expect(form.headers['x-content-type-options']).toBe('nosniff');
      expect(form.headers['referrer-policy']).toBe('same-origin');
      const script = await request(t.baseUrl).get('/embed/nashra.js').expect(200);
      expect(script.headers['x-content-type-options']).toBe('nosniff');
      expect(script.headers['cross-origin-resource-policy']).toBe('cross-origin');
    });

    it('lets nobody frame any other reader page: thanks, confirm, unsubscribe, preferences, digests, errors', async () => {
      const [{ id }] = (await t.dataSource.query(
        `INSERT INTO subscribers (email, email_key, status, frequency) VALUES ('h@example.com', 'h@example.com', 'active', 'daily') RETURNING id`,
      )) as Array<{ id: string }>;
      const token = t.get(SubscriberLinks).token(id);
      const article = await insertSeedArticle(t.dataSource);
      const edition = await insertEdition(t.dataSource, { articleIds: [article.id], status: 'sending' });
      await t.dataSource.query(`UPDATE editions SET html = '<html><body>عدد</body></html>' WHERE id = $1`, [
        edition.id,
      ]);
      const pages: Array<[string, number]> = [
        ['/subscriptions/thanks', 200],
        [`/subscriptions/confirm?token=${'a'.repeat(43)}`, 200],
        [`/subscriptions/unsubscribe?token=${token}`, 200],
        [`/subscriptions/preferences?token=${token}`, 200],
        ['/subscriptions/preferences?token=forged', 400],
        [`/digests/${edition.id}`, 200],
        ['/digests/999999', 404],
      ];
      for (const [page, status] of pages) {
        const res = await request(t.baseUrl).get(page);
        expect([page, res.status]).toEqual([page, status]);
        expectUnframeable(res, page);
      }
      const tooLarge = await signupForm(`big@example.com&page=${'x'.repeat(20_000)}`);
      expect(tooLarge.status).toBe(413);
      expectUnframeable(tooLarge, 'POST /subscriptions (413)');
      const done = await request(t.baseUrl).post(`/subscriptions/unsubscribe?token=${token}`).expect(200);
      expectUnframeable(done, 'POST /subscriptions/unsubscribe');
    });
  });
});
