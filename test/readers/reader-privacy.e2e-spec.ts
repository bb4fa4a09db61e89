import { createHash } from 'node:crypto';
import request from 'supertest';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { Suppressions } from '../../src/subscribers/suppressions';
import { insertReaders } from '../factories/readers';
import { clickLinks, follow, insertStories, sendEdition } from '../engagement/engagement-fixtures';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { confirmationCount, confirmationTo, confirmToken, postJson, settle, subscriberByKey } from './reader-steps';

describe('Readers: privacy API (export and erase)', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, SIGNUP_RATE_LIMIT_PER_MINUTE: '1000', OPEN_TRACKING: 'on' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  async function activeReader(email: string): Promise<string> {
    const before = confirmationCount(sink, email);
    await postJson(t, { email, page: 'https://www.example.net/2026/article' })
      .set('User-Agent', 'PrivacyTest/1.0')
      .expect(200);
    const confirmation = await confirmationTo(sink, email, before + 1);
    await request(t.baseUrl)
      .post(`/subscriptions/confirm?token=${confirmToken(confirmation)}`)
      .expect(200);
    return (await subscriberByKey(t, email.toLowerCase()))!.id;
  }

  it('is for editors only', async () => {
    await request(t.baseUrl).get('/admin/subscribers?email=a@example.com').expect(401);
    await request(t.baseUrl).get('/admin/subscribers/1/export').expect(401);
    await request(t.baseUrl)
      .delete('/admin/subscribers/1')
      .set('Authorization', 'Bearer wrong-token-123456')
      .expect(401);
  });

  it('finds a subscriber by address in any case, and exports everything held as JSON', async () => {
    const id = await activeReader('Export.Me@Example.com');
    const [edition] = (await t.dataSource.query(
      `INSERT INTO editions (key, frequency, window_from, window_to, subject, status)
       VALUES ('daily:2026-11-24', 'daily', now() - interval '1 day', now(), 'النشرة اليومية', 'sent') RETURNING id`,
    )) as Array<{ id: string }>;
    await t.dataSource.query(
      `INSERT INTO deliveries (edition_id, subscriber_id, status, attempts, sent_at, message_id)
       VALUES ($1, $2, 'sent', 1, now(), '<m1@nashra.test>')`,
      [edition.id, id],
    );

    const found = await request(t.baseUrl)
      .get('/admin/subscribers')
      .query({ email: 'EXPORT.ME@example.COM' })
      .set('Authorization', t.editorAuth)
      .expect(200);
    expect(found.body).toMatchObject({
      suppressed: false,
      subscribers: [{ id, email: 'Export.Me@example.com', status: 'active', frequency: 'daily' }],
    });

    const exported = await request(t.baseUrl)
      .get(`/admin/subscribers/${id}/export`)
      .set('Authorization', t.editorAuth)
      .expect(200);
    expect(exported.headers['content-type']).toMatch(/application\/json/);
    expect(exported.body.subscriber).toMatchObject({
      id,
      email: 'Export.Me@example.com',
      status: 'active',
      consent: {
        page: 'https://www.example.net/2026/article',
        userAgent: 'PrivacyTest/1.0',
        wording: expect.stringContaining('واشترك بنشرتنا البريدية'),
      },
    });
    expect(exported.body.subscriber.confirmedAt).toEqual(expect.any(String));
    expect(exported.body.deliveries).toEqual([
      expect.objectContaining({ editionKey: 'daily:2026-11-24', status: 'sent', messageId: '<m1@nashra.test>' }),
    ]);
    expect(JSON.stringify(exported.body)).not.toMatch(/token/i);
  });

  it('the export lists the articles the reader followed from their digest, and the emails opened', async () => {
    const [reader] = await insertReaders(t.dataSource, { count: 1, prefix: 'privacy-clicks-' });
    const url = 'https://www.example.net/2026/12/privacy-export/';
    const edition = await sendEdition(t, await insertStories(t.dataSource, [url, 'https://www.example.net/other/']));
    const [message] = sink.to(reader.email);
    const beforeClick = Date.now();
    expect((await follow(clickLinks(message)[0])).status).toBe(302);
    const pixel = /<img src="([^"]*\/o\/[A-Za-z0-9_-]+\.gif)"/.exec(message.parsed.html as string)![1];
    expect((await fetch(pixel)).status).toBe(200);

    const exported = await request(t.baseUrl)
      .get(`/admin/subscribers/${reader.id}/export`)
      .set('Authorization', t.editorAuth)
      .expect(200);
    const [{ key }] = await t.dataSource.query(`SELECT key FROM editions WHERE id = $1`, [edition]);
    // The URL as followed: the article's, with the edition's UTM tags.
    expect(exported.body.clicks).toEqual([
      {
        editionId: edition,
        editionKey: key,
        url: `${url}?utm_source=nashra&utm_medium=email&utm_campaign=${key.replace(/[^A-Za-z0-9_-]+/g, '-')}`,
        clickedAt: expect.any(String),
      },
    ]);
    expect(new Date(exported.body.clicks[0].clickedAt).getTime()).toBeGreaterThanOrEqual(beforeClick - 1000);
    expect(exported.body.opens).toEqual([expect.objectContaining({ editionId: edition, editionKey: key })]);
    const open = exported.body.opens[0];
    expect(open.openedAt ?? open.machineOpenedAt).toEqual(expect.any(String));
  });

  it('erases a subscriber, keeping only a hash of the address, so it is never mailed again', async () => {
    const id = await activeReader('forget.me@example.com');
    await request(t.baseUrl).delete(`/admin/subscribers/${id}`).set('Authorization', t.editorAuth).expect(204);

    expect(await subscriberByKey(t, 'forget.me@example.com')).toBeUndefined();
    const suppressions = (await t.dataSource.query('SELECT * FROM suppressions')) as Array<Record<string, unknown>>;
    expect(suppressions).toEqual([
      expect.objectContaining({
        email_hash: createHash('sha256').update('forget.me@example.com').digest('hex'),
        reason: 'erased',
      }),
    ]);
    expect(JSON.stringify(suppressions)).not.toContain('forget.me');
    expect(await t.get(Suppressions).isSuppressed('Forget.Me@EXAMPLE.com')).toBe(true);

    await request(t.baseUrl).get(`/admin/subscribers/${id}/export`).set('Authorization', t.editorAuth).expect(404);
    await request(t.baseUrl).delete(`/admin/subscribers/${id}`).set('Authorization', t.editorAuth).expect(404);
    const found = await request(t.baseUrl)
      .get('/admin/subscribers?email=forget.me@example.com')
      .set('Authorization', t.editorAuth)
      .expect(200);
    expect(found.body).toEqual({ subscribers: [], suppressed: true });

    // A later signup (a re-imported list, a bot) gets the usual answer but no email and no record. The welcome
    // email of the confirmation above goes through the outbox too: let it arrive before counting.
    await t.get(TransactionalOutbox).idle();
    await settle();
    const before = sink.messages.length;
    const res = await postJson(t, { email: 'forget.me@example.com' }).expect(200);
    expect(res.body.message).toContain('أرسلنا إليك');
    await t.get(TransactionalOutbox).idle();
    await settle();
    expect(sink.messages).toHaveLength(before);
    expect(await subscriberByKey(t, 'forget.me@example.com')).toBeUndefined();
  });

  it('answers a bad id with 400, not 500', async () => {
    const res = await request(t.baseUrl)
      .get('/admin/subscribers/abc/export')
      .set('Authorization', t.editorAuth)
      .expect(400);
    expect(res.body.message).toEqual(expect.arrayContaining([expect.stringContaining('id must be')]));
    await request(t.baseUrl).get('/admin/subscribers').set('Authorization', t.editorAuth).expect(400);
  });

  it('is documented in Swagger under the editor bearer token', async () => {
    const doc = await request(t.baseUrl).get('/admin/docs-json').set('Authorization', t.editorAuth).expect(200);
    expect(doc.body.paths['/admin/subscribers/{id}/export'].get.security).toEqual([{ editor: [] }]);
    expect(doc.body.paths['/admin/subscribers/{id}'].delete).toBeDefined();
    expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/subscriptions'))).toEqual([]);
  });
});
