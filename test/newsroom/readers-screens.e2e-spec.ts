import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { insertArticle } from '../factories/articles';
import { postJson } from '../readers/reader-steps';
import { createEditor, DEFAULT_EDITOR, signIn } from '../helpers/editor-session';
import { startTestApp, TestApp } from '../helpers/test-app';

/** The readers, topics, feeds and outbox screens, driven as an editor's browser would (forms, redirects). */
describe('Newsroom: readers, topics, feeds and outbox screens', () => {
  let t: TestApp;
  let agent: TestAgent;
  let csrf: string;

  beforeAll(async () => {
    t = await startTestApp(); // no SMTP_URL: mail goes to the outbox
    await createEditor(t.dataSource);
    agent = request.agent(t.baseUrl);
    csrf = (await signIn(agent, { baseUrl: t.baseUrl, ...DEFAULT_EDITOR })).csrfToken;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function reader(
    email: string,
    fields: { status?: string; frequency?: string; topics?: string[]; page?: string } = {},
  ) {
    const consent = {
      at: new Date().toISOString(),
      page: fields.page ?? null,
      ip: '203.0.113.7',
      userAgent: 'UA/1',
      wording: 'اشترك',
    };
    const [row] = (await t.dataSource.query(
      `INSERT INTO subscribers (email, email_key, status, frequency, topics, consent)
       VALUES ($1, lower($1), $2, $3, $4, $5) RETURNING id`,
      [email, fields.status ?? 'active', fields.frequency ?? 'daily', fields.topics ?? [], JSON.stringify(consent)],
    )) as Array<{ id: string }>;
    return row.id;
  }

  const audit = async (action: string) =>
    (await t.dataSource.query('SELECT actor, subject, detail FROM audit_log WHERE action = $1 ORDER BY id', [
      action,
    ])) as Array<{ actor: string; subject: string | null; detail: Record<string, unknown> | null }>;

  /** A form post as a browser sends it (repeated fields for lists), with the page's CSRF token. */
  const post = (path: string, form: Record<string, string | string[]>) => {
    const body = new URLSearchParams({ _csrf: csrf });
    for (const [name, value] of Object.entries(form)) {
      for (const v of [value].flat()) {
        body.append(name, v);
      }
    }
    return agent.post(path).type('form').send(body.toString());
  };

  describe('readers', () => {
    beforeAll(async () => {
      await reader('huda@list.example.net', { topics: ['العراق'], page: 'https://www.example.net/2026/iraq-story' });
      await reader('omar@list.example.net', { status: 'pending', frequency: 'weekly' });
      await reader('left@list.example.net', { status: 'unsubscribed' });
    });

    it('searches by part of the address, filters by status, frequency, topic and signup page, and counts per status', async () => {
      const all = await agent.get('/admin/readers?q=LIST.example').expect(200);
      expect(all.text).toContain('huda@list.example.net');
      expect(all.text).toContain('omar@list.example.net');
      expect(all.text).toMatch(/<strong>3<\/strong> قارئاً/);

      const pending = await agent.get('/admin/readers?q=list.example&status=pending').expect(200);
      expect(pending.text).toContain('omar@list.example.net');
      expect(pending.text).not.toContain('huda@list.example.net');
      const weekly = await agent.get('/admin/readers?frequency=weekly').expect(200);
      expect(weekly.text).toContain('omar@list.example.net');
      expect(weekly.text).not.toContain('huda@list.example.net');
      const topic = await agent.get(`/admin/readers?topic=${encodeURIComponent('العراق')}`).expect(200);
      expect(topic.text).toContain('huda@list.example.net');
      expect(topic.text).not.toContain('omar@list.example.net');
      const page = await agent.get('/admin/readers?page=iraq-story').expect(200);
      expect(page.text).toContain('huda@list.example.net');
      expect(page.text).not.toContain('left@list.example.net');
      await agent.get('/admin/readers?status=nonsense').expect(400);

      const exported = await agent.get('/admin/readers/export.csv?q=list.example&status=pending').expect(200);
      expect(exported.headers['content-disposition']).toContain('readers.csv');
      expect(exported.text).toContain('"omar@list.example.net","pending","weekly"');
      expect(exported.text).not.toContain('huda@list.example.net');
      expect((await audit('readers.export'))[0].detail).toMatchObject({ status: 'pending', count: 1 });
    });

    it('pages through many readers newest first, without repeating or skipping any', async () => {
      for (let i = 0; i < 60; i++) {
        await reader(`page${String(i).padStart(2, '0')}@paging.example.net`);
      }
      const first = await agent.get('/admin/readers?q=paging.example').expect(200);
      const next = /href="([^"]+)" rel="next"/
        .exec(first.text)![1]
        .replace(/&amp;/g, '&')
        .replace(/&#x3D;/g, '=');
      const second = await agent.get(next).expect(200);
      const emails = (html: string) => [...html.matchAll(/(page\d\d)@paging/g)].map((m) => m[1]);
      expect(emails(first.text)).toHaveLength(50);
      expect(emails(first.text)[0]).toBe('page59');
      expect(new Set([...emails(first.text), ...emails(second.text)]).size).toBe(60);
      expect(second.text).not.toContain('rel="next"');
    });

    it("shows one reader's record, consent and deliveries; exports CSV and JSON; erases only when confirmed", async () => {
      const id = await reader('record@list.example.net', { page: 'https://www.example.net/2026/record' });
      const page = await agent.get(`/admin/readers/${id}`).expect(200);
      expect(page.text).toContain('https://www.example.net/2026/record');
      expect(page.text).toContain('203.0.113.7');
      // How far back delivery history goes (DELIVERY_RETENTION_DAYS, 180 by default), in Arabic's plural form (180: «يومًا»).
      expect(page.text).toContain('يُحفظ سجل الإرسال والنقرات والفتح لكل عدد 180 يومًا بعد آخر رسالة منه');

      const csv = await agent.get(`/admin/readers/${id}/export.csv`).expect(200);
      expect(csv.headers['content-disposition']).toContain(`reader-${id}.csv`);
      expect(csv.text).toContain('"record@list.example.net"');
      expect(csv.text).toContain('يُحفظ سجل الإرسال');
      const json = await agent.get(`/admin/readers/${id}/export.json`).expect(200);
      expect(JSON.parse(json.text as string)).toMatchObject({ subscriber: { id, email: 'record@list.example.net' } });
      expect((await audit('reader.export')).map((a) => a.detail?.format)).toEqual(['csv', 'json']);

      const refused = await post(`/admin/readers/${id}/erase`, {}).expect(400);
      expect(refused.text).toContain('أكّد الحذف');
      expect(await t.dataSource.query('SELECT 1 FROM subscribers WHERE id = $1', [id])).toHaveLength(1);
      await agent.post(`/admin/readers/${id}/erase`).type('form').send({ confirm: 'yes' }).expect(403); // no CSRF
      await post(`/admin/readers/${id}/erase`, { confirm: 'yes' }).expect(303).expect('Location', '/admin/readers');
      expect(await t.dataSource.query('SELECT 1 FROM subscribers WHERE id = $1', [id])).toHaveLength(0);
      expect(await audit('reader.erase')).toEqual([
        expect.objectContaining({ actor: DEFAULT_EDITOR.email, subject: `subscriber:${id}` }),
      ]);
      await agent.get(`/admin/readers/${id}`).expect(404);
    });
    it('refuses an upload without a file with an Arabic reason htmx can show, and starts nothing', async () => {
      const res = await agent
        .post('/admin/readers/import')
        .set('HX-Request', 'true')
        .set('X-CSRF-Token', csrf)
        .field('frequency', 'daily')
        .expect(400);
      expect(res.text).toContain('اختر ملف CSV');
      const bare = await agent.post('/admin/readers/import').set('X-CSRF-Token', csrf).field('frequency', 'daily');
      expect(bare.status).toBe(400);
      const noCsrf = await agent
        .post('/admin/readers/import')
        .set('HX-Request', 'true')
        .attach('file', Buffer.from('email\na@b.example.net\n'), 'a.csv');
      expect(noCsrf.status).toBe(403);
      expect(await t.dataSource.query('SELECT 1 FROM reader_imports')).toHaveLength(0);
    });
  });

  describe('topics', () => {
    let readerId: string;
    const preferences = async () => {
      const url = new URL(t.get(SubscriberLinks).preferencesUrl(readerId));
      return (
        await request(t.baseUrl)
          .get(url.pathname + url.search)
          .expect(200)
      ).text;
    };

    beforeAll(async () => {
      await insertArticle(t.dataSource, { topics: ['#الموصل', '#ديالى'] });
      await insertArticle(t.dataSource, { topics: ['#مدينة_الموصل'] });
      readerId = await reader('topics@list.example.net', { topics: ['مدينة_الموصل'] });
    });

    it('lists topics with article and follower counts; renames, and the reader sees the new name', async () => {
      const page = await agent.get('/admin/topics').expect(200);
      expect(page.text).toMatch(/مدينة الموصل[\s\S]*?<td>1<\/td>\s*<td>1<\/td>/);
      await post('/admin/topics/rename', { key: 'ديالي', name: 'محافظة ديالى' }).expect(303);
      expect(await preferences()).toContain('محافظة ديالى');
      // A refusal shows the list again with the reason, in Arabic, and is not audited.
      const blank = await post('/admin/topics/rename', { key: 'ديالي', name: '  ' }).expect(400);
      expect(blank.text).toContain('الاسم مطلوب، بلا &lt; أو &gt;، وبحد أقصى 80 حرفاً');
      const unknown = await post('/admin/topics/rename', { key: 'لا_يوجد', name: 'س' }).expect(404);
      expect(unknown.text).toContain('لا يوجد موضوع بهذا المفتاح');
      expect(await audit('topic.rename')).toHaveLength(1);
      expect((await audit('topic.rename'))[0].detail).toEqual({ from: 'ديالى', to: 'محافظة ديالى' });
    });

    it('merges one topic into another: articles and readers move in one go, the old topic is gone', async () => {
      await post('/admin/topics/merge', { key: 'مدينة_الموصل', into: '#المَوصل' }).expect(303); // another spelling
      const [{ topics }] = (await t.dataSource.query('SELECT topics FROM subscribers WHERE id = $1', [
        readerId,
      ])) as Array<{
        topics: string[];
      }>;
      expect(topics).toEqual(['الموصل']);
      const tagged = (await t.dataSource.query(
        `SELECT count(*)::int AS n FROM articles WHERE topics @> ARRAY['الموصل']`,
      )) as Array<{ n: number }>;
      expect(tagged[0].n).toBe(2);
      expect(await t.dataSource.query(`SELECT 1 FROM topics WHERE key = 'مدينة_الموصل'`)).toHaveLength(0);
      expect(await preferences()).not.toContain('مدينة الموصل');
      await post('/admin/topics/merge', { key: 'الموصل', into: 'الموصل' }).expect(400);
      await post('/admin/topics/merge', { key: 'الموصل', into: 'لا شيء' }).expect(404);
      expect((await audit('topic.merge'))[0].detail).toMatchObject({ into: 'الموصل', articles: 1, readers: 1 });
    });

    it('hides a topic and limits followable ones: the preferences page lists only followable, visible topics', async () => {
      await post('/admin/topics/hide', { key: 'ديالي', hidden: 'true' }).expect(303);
      expect(await preferences()).not.toContain('محافظة ديالى');
      await post('/admin/topics/hide', { key: 'ديالي', hidden: 'false' }).expect(303);
      expect(await preferences()).toContain('محافظة ديالى');
      await post('/admin/topics/followable', { keys: ['الموصل'] }).expect(303);
      const prefs = await preferences();
      expect(prefs).toContain('value="الموصل"');
      expect(prefs).not.toContain('محافظة ديالى');
      await post('/admin/topics/followable', {}).expect(303); // none ticked: nothing may be followed
      expect(await preferences()).not.toContain('value="الموصل"');
      expect((await audit('topic.hide')).length).toBe(1);
      expect((await audit('topic.followable')).length).toBe(2);
    });
  });

  describe('newsletters', () => {
    it('a refused newsletter (its slug taken) goes back to the form with the reason, and is not audited', async () => {
      await post('/admin/settings/newsletters', { name: 'نشرة أخرى', slug: 'daily' })
        .expect(303)
        .expect('Location', '/admin/settings/newsletters');
      const page = await agent.get('/admin/settings/newsletters').expect(200);
      expect(page.text).toContain('هذا المعرّف مستخدم لنشرة أخرى؛ اختر غيره.');
      expect(await audit('newsletter.create')).toHaveLength(0);
      await post('/admin/settings/newsletters/no-such-newsletter', { name: 'س' }).expect(404);
    });
  });

  describe('feeds', () => {
    it('adds a feed (http(s) only), polls it now with its health shown, and removes it', async () => {
      const { FeedServer } = await import('../articles/feed-server');
      const server = await FeedServer.start();
      try {
        const feedUrl = server.serve(
          '/feed.xml',
          'application/rss+xml',
          () =>
            `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://www.example.net/</link>
             <item><title>خبر من التغذية</title><link>https://www.example.net/2026/feed-story</link>
             <guid>feed-story-1</guid><pubDate>${new Date().toUTCString()}</pubDate></item></channel></rss>`,
        );
        const bad = await post('/admin/settings/feeds', { url: 'ftp://example.net/feed' }).expect(400);
        expect(bad.text).toContain('http');
        await post('/admin/settings/feeds', { url: feedUrl }).expect(303).expect('Location', '/admin/settings/feeds');
        const listed = await agent.get('/admin/settings/feeds').expect(200);
        expect(listed.text).toContain(feedUrl);
        expect(listed.text).toContain('لم تُجلب بعد');

        await post('/admin/settings/feeds/poll', {}).expect(303);
        expect(server.requestsTo('/feed.xml')).toHaveLength(1);
        expect(await t.dataSource.query(`SELECT 1 FROM articles WHERE guid = 'feed-story-1'`)).toHaveLength(1);
        expect((await agent.get('/admin/settings/feeds').expect(200)).text).toContain('سليمة');

        await post('/admin/settings/feeds/remove', { url: feedUrl, back: '/admin/settings' })
          .expect(303)
          .expect('Location', '/admin/settings');
        expect((await agent.get('/admin/settings/feeds').expect(200)).text).not.toContain(feedUrl);
        await post('/admin/settings/feeds/poll', {}).expect(303);
        expect(server.requestsTo('/feed.xml')).toHaveLength(1); // removed feeds are not polled
        expect((await audit('feed.add'))[0].subject).toBe(feedUrl);
        const again = await post('/admin/settings/feeds/remove', { url: feedUrl }).expect(404);
        expect(again.text).toContain('هذه التغذية ليست في القائمة');
        expect(await audit('feed.remove')).toHaveLength(1);
        expect((await audit('feed.remove'))[0].subject).toBe(feedUrl);
        expect((await audit('feed.poll')).length).toBe(2);
      } finally {
        await server.close();
      }
    });
  });

  describe('outbox', () => {
    it('lists the messages written to the outbox, newest first, and opens one as the reader sees it', async () => {
      await postJson(t, { email: 'outbox-reader@list.example.net' }).expect(200);
      let list = '';
      for (let i = 0; i < 50 && !list.includes('outbox-reader@list.example.net'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        list = (await agent.get('/admin/mail').expect(200)).text;
      }
      expect(list).toContain('outbox-reader@list.example.net');
      const href = /href="(\/admin\/mail\/[^"]+)"/.exec(list)![1];
      const message = await agent.get(href).expect(200);
      expect(message.text).toContain('<iframe');
      expect(message.text).toMatch(/sandbox/);
      expect(message.text).toContain('newsletter@nashra.test');
      const html = await agent.get(`${href}/html`).expect(200);
      expect(html.headers['content-security-policy']).toContain("default-src 'none'");
      expect(html.text).toContain('/subscriptions/confirm?token');
      await agent.get('/admin/mail/..%2Fsecret.eml').expect(404);
    });
  });

  it('refuses every one of these pages and actions without a session', async () => {
    for (const path of [
      '/admin/readers',
      '/admin/readers/1',
      '/admin/readers/import',
      '/admin/topics',
      '/admin/settings/feeds',
      '/admin/mail',
    ]) {
      const res = await request(t.baseUrl).get(path);
      expect([path, res.status]).toEqual([path, 303]);
    }
    for (const path of [
      '/admin/readers/1/erase',
      '/admin/readers/import',
      '/admin/topics/rename',
      '/admin/settings/feeds',
    ]) {
      const res = await request(t.baseUrl).post(path).type('form').send({});
      expect([path, res.status]).toEqual([path, 401]);
    }
  });
});
