import request from 'supertest';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { FakeClock } from '../helpers/fake-clock';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import {
  confirmationCount,
  confirmationTo,
  confirmToken,
  formActions,
  postForm,
  postJson,
  settle,
  subscriberByKey,
} from './reader-steps';

/** Path and query of an absolute nashra URL, for supertest. */
function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

describe('Readers: confirmation, unsubscribe and preferences links', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let links: SubscriberLinks;
  const clock = new FakeClock();

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ clock, env: { SMTP_URL: sink.url, SIGNUP_RATE_LIMIT_PER_MINUTE: '1000' } });
    links = t.get(SubscriberLinks);
    await t.dataSource.query(
      `INSERT INTO topics (key, name) VALUES ('البيشمركة', 'البيشمركة'), ('داعش', 'داعش'), ('نينوى', 'نينوى')`,
    );
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });
  beforeEach(async () => {
    await t.get(TransactionalOutbox).idle();
    sink.clear();
  });

  /** Signs an address up and returns the token from its confirmation email. */
  async function signUp(email: string): Promise<string> {
    const before = confirmationCount(sink, email);
    await postJson(t, { email }).expect(200);
    return confirmToken(await confirmationTo(sink, email, before + 1));
  }

  async function activeReader(email: string): Promise<string> {
    const token = await signUp(email);
    await request(t.baseUrl).post(`/subscriptions/confirm?token=${token}`).expect(200);
    const row = await subscriberByKey(t, email);
    expect(row!.status).toBe('active');
    return row!.id;
  }

  describe('confirmation', () => {
    it('GET on the link changes nothing, however often a mail scanner opens it', async () => {
      const token = await signUp('scanned@example.com');
      for (let i = 0; i < 3; i++) {
        const page = await request(t.baseUrl).get(`/subscriptions/confirm?token=${token}`).expect(200);
        expect(page.text).toContain('تأكيد الاشتراك');
      }
      const row = await subscriberByKey(t, 'scanned@example.com');
      expect(row).toMatchObject({ status: 'pending', confirmed_at: null });
      expect(row!.confirmation_token_hash).not.toBeNull();
    });

    it('stores only a hash of the token', async () => {
      const token = await signUp('hashed@example.com');
      const [{ count }] = (await t.dataSource.query(
        `SELECT count(*)::int AS count FROM subscribers WHERE confirmation_token_hash = $1 OR consent::text LIKE $2`,
        [token, `%${token}%`],
      )) as Array<{ count: number }>;
      expect(count).toBe(0);
    });

    it('a used token is refused with the Arabic page and its form to ask for a new email', async () => {
      const token = await signUp('twice@example.com');
      await request(t.baseUrl).post(`/subscriptions/confirm?token=${token}`).expect(200);
      const again = await request(t.baseUrl).post(`/subscriptions/confirm?token=${token}`).expect(400);
      expect(again.text).toContain('رابط التأكيد غير صالح');
      expect(again.text).toContain('<form class="nashra-form"');
      expect(formActions(again.text)).toEqual([`${t.baseUrl}/subscriptions`]);
      expect((await subscriberByKey(t, 'twice@example.com'))!.status).toBe('active');
    });

    it('an unknown or malformed token is refused the same way, GET or POST', async () => {
      const unknown = 'A'.repeat(43);
      for (const res of [
        await request(t.baseUrl).post(`/subscriptions/confirm?token=${unknown}`),
        await request(t.baseUrl).post('/subscriptions/confirm?token=short'),
        await request(t.baseUrl).post('/subscriptions/confirm'),
        await request(t.baseUrl).get('/subscriptions/confirm?token=%3Cscript%3E'),
      ]) {
        expect(res.status).toBe(400);
        expect(res.text).toContain('رابط التأكيد غير صالح');
        expect(res.text).not.toContain('<script>');
      }
    });

    it('an expired token is refused with an Arabic page, and asking again sends a new link that works', async () => {
      const token = await signUp('late@example.com');
      clock.advance(49 * 3600 * 1000);
      const expired = await request(t.baseUrl).post(`/subscriptions/confirm?token=${token}`).expect(410);
      expect(expired.text).toContain('انتهت صلاحية رابط التأكيد');
      expect(expired.text).toMatch(/<html lang="ar" dir="rtl">/);
      expect((await subscriberByKey(t, 'late@example.com'))!.status).toBe('pending');

      // The page's form is the signup form: posting it mails a fresh link.
      const [action] = formActions(expired.text);
      expect(action).toBe(`${t.baseUrl}/subscriptions`);
      await postForm(t, { email: 'late@example.com' }).expect(303);
      const fresh = await confirmationTo(sink, 'late@example.com', 2);
      await request(t.baseUrl)
        .post(`/subscriptions/confirm?token=${confirmToken(fresh)}`)
        .expect(200);
      expect((await subscriberByKey(t, 'late@example.com'))!.status).toBe('active');
    });
  });

  describe('unsubscribe', () => {
    it('GET shows the button and the weekly alternative, and changes nothing', async () => {
      const id = await activeReader('stays@example.com');
      const url = links.unsubscribeUrl(id);
      const page = await request(t.baseUrl).get(pathOf(url)).expect(200);
      expect(page.text).toContain('ألغِ اشتراكي');
      expect(page.text).toContain('أرسلوها أسبوعياً فقط');
      expect(formActions(page.text)).toEqual([pathOf(url), pathOf(links.preferencesUrl(id))]);
      expect((await subscriberByKey(t, 'stays@example.com'))!.status).toBe('active');
    });

    it('the RFC 8058 one-click POST unsubscribes with 200, no redirect and no cookie', async () => {
      const id = await activeReader('oneclick@example.com');
      const res = await request(t.baseUrl)
        .post(pathOf(links.unsubscribeUrl(id)))
        .type('form')
        .send('List-Unsubscribe=One-Click')
        .redirects(0);
      expect(res.status).toBe(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['set-cookie']).toBeUndefined();
      const row = await subscriberByKey(t, 'oneclick@example.com');
      expect(row).toMatchObject({ status: 'unsubscribed' });
      expect(row!.unsubscribed_at).toEqual(clock.now());

      // Repeating it (mail clients retry) is harmless.
      await request(t.baseUrl)
        .post(pathOf(links.unsubscribeUrl(id)))
        .type('form')
        .send('List-Unsubscribe=One-Click')
        .expect(200);
    });

    it("the page's button unsubscribes and shows an Arabic confirmation page", async () => {
      const id = await activeReader('button@example.com');
      const res = await request(t.baseUrl)
        .post(pathOf(links.unsubscribeUrl(id)))
        .type('form')
        .send('')
        .expect(200);
      expect(res.text).toContain('تم إلغاء اشتراكك');
      expect((await subscriberByKey(t, 'button@example.com'))!.status).toBe('unsubscribed');
    });

    it('a forged or tampered token changes nothing', async () => {
      const id = await activeReader('forged@example.com');
      const token = links.token(id);
      const tampered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
      for (const bad of [tampered, `${Number(id) + 1}.${token.split('.')[1]}`, 'nonsense', '']) {
        const res = await request(t.baseUrl)
          .post(`/subscriptions/unsubscribe?token=${encodeURIComponent(bad)}`)
          .type('form')
          .send('List-Unsubscribe=One-Click');
        expect(res.status).toBe(400);
        expect(res.text).toContain('الرابط غير صالح');
      }
      expect((await subscriberByKey(t, 'forged@example.com'))!.status).toBe('active');
    });

    it('"weekly instead" keeps the reader, on the weekly digest', async () => {
      const id = await activeReader('fewer@example.com');
      await t.dataSource.query(`UPDATE subscribers SET topics = '{نينوى}' WHERE id = $1`, [id]);
      await request(t.baseUrl)
        .post(pathOf(links.preferencesUrl(id)))
        .type('form')
        .send('frequency=weekly')
        .expect(200);
      expect(await subscriberByKey(t, 'fewer@example.com')).toMatchObject({
        status: 'active',
        frequency: 'weekly',
        topics: ['نينوى'],
      });
    });

    it('a reader who left can sign up again and is active once confirmed', async () => {
      const id = await activeReader('returns@example.com');
      await request(t.baseUrl)
        .post(pathOf(links.unsubscribeUrl(id)))
        .expect(200);
      clock.advance(11 * 60 * 1000); // at most one confirmation email per address every 10 minutes
      const token = await signUp('returns@example.com');
      expect((await subscriberByKey(t, 'returns@example.com'))!.status).toBe('pending');
      await request(t.baseUrl).post(`/subscriptions/confirm?token=${token}`).expect(200);
      expect(await subscriberByKey(t, 'returns@example.com')).toMatchObject({
        id,
        status: 'active',
        unsubscribed_at: null,
      });
    });
  });

  describe('preferences', () => {
    it('shows frequency and topic choices, and saves them', async () => {
      const id = await activeReader('prefs@example.com');
      const path = pathOf(links.preferencesUrl(id));
      const page = await request(t.baseUrl).get(path).expect(200);
      expect(page.text).toContain('prefs@example.com');
      for (const topic of ['البيشمركة', 'داعش', 'نينوى']) {
        expect(page.text).toContain(`value="${topic}"`);
      }
      expect(page.text).toMatch(/value="daily" checked/);

      const saved = await request(t.baseUrl)
        .post(path)
        .type('form')
        .send(
          'form=preferences&frequency=weekly&topics=' +
            encodeURIComponent('داعش') +
            '&topics=' +
            encodeURIComponent('نينوى'),
        )
        .expect(200);
      expect(saved.text).toContain('تم حفظ إعداداتك');
      expect(saved.text).toMatch(/value="weekly" checked/);
      expect(saved.text).toMatch(/value="داعش" checked/);
      const row = await subscriberByKey(t, 'prefs@example.com');
      expect(row).toMatchObject({ frequency: 'weekly', status: 'active' });
      expect([...row!.topics].sort()).toEqual(['داعش', 'نينوى'].sort());

      // Unticking every topic means "everything" again.
      await request(t.baseUrl).post(path).type('form').send('form=preferences&frequency=daily').expect(200);
      expect(await subscriberByKey(t, 'prefs@example.com')).toMatchObject({ frequency: 'daily', topics: [] });
    });

    it('refuses an unknown topic or frequency with an Arabic message and keeps the old settings', async () => {
      const id = await activeReader('strict@example.com');
      const path = pathOf(links.preferencesUrl(id));
      const topic = await request(t.baseUrl).post(path).type('form').send('form=preferences&topics=nope').expect(400);
      expect(topic.text).toContain('أحد المواضيع المختارة غير موجود');
      const json = await request(t.baseUrl)
        .post(path)
        .set('Accept', 'application/json')
        .send({ frequency: 'hourly' })
        .expect(400);
      expect(json.body).toEqual({ message: 'يُرجى اختيار «يومياً» أو «أسبوعياً».' });
      const injected = await request(t.baseUrl).post(path).type('form').send('topics=%3Cb%3Ex%3C%2Fb%3E').expect(400);
      expect(injected.text).toContain('رموز غير مسموح بها');
      expect(await subscriberByKey(t, 'strict@example.com')).toMatchObject({ frequency: 'daily', topics: [] });
    });

    it('offers leaving from the same page', async () => {
      const id = await activeReader('leaver@example.com');
      const page = await request(t.baseUrl)
        .get(pathOf(links.preferencesUrl(id)))
        .expect(200);
      expect(page.text).toContain(`formaction="${pathOf(links.unsubscribeUrl(id)).replace('=', '&#x3D;')}"`);
    });

    it('a wrong token shows the Arabic invalid-link page', async () => {
      const res = await request(t.baseUrl).get('/subscriptions/preferences?token=1.AAAAAAAAAAAAAAAAAAAAAA').expect(400);
      expect(res.text).toContain('الرابط غير صالح');
    });
  });

  afterAll(async () => {
    await t.get(TransactionalOutbox).idle();
    await settle(50);
  });
});
