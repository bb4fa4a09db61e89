import request from 'supertest';
import { bounceSignature } from '../../src/delivery/bounce-webhook.controller';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { startTestApp, TestApp } from '../helpers/test-app';
import { insertEdition, insertReaders, insertRender, ledger } from './ledger-fixtures';

const SECRET = 'bounce-webhook-secret-0123456789';

/** Issue 11: late bounces and complaints through POST /webhooks/bounces (generic JSON shape, HMAC-signed). */
describe('Bounce webhook', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { BOUNCE_WEBHOOK_SECRET: SECRET } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (body: unknown, signature?: string) => {
    const raw = JSON.stringify(body);
    const req = request(t.baseUrl).post('/webhooks/bounces').set('Content-Type', 'application/json');
    return req.set('X-Nashra-Signature', signature ?? bounceSignature(SECRET, raw)).send(raw);
  };
  const statusOf = async (id: string) =>
    (await t.dataSource.query(`SELECT status FROM subscribers WHERE id = $1`, [id]))[0].status as string;

  /** An edition already sent to these readers: every row `sent` with its Message-ID. */
  async function sentEdition(readers: Array<{ id: string }>): Promise<string> {
    const edition = await insertEdition(t.dataSource, { status: 'sent' });
    for (const r of readers) {
      await t.dataSource.query(
        `INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, attempts, sent_at, message_id)
         VALUES ($1::bigint, $2::bigint, 'all', 'sent', 1, now(), '<' || $2::text || '.' || $1::text || '@nashra.test>')`,
        [edition, r.id],
      );
    }
    return edition;
  }

  it('refuses an unsigned or wrongly signed report, and changes nothing', async () => {
    const [reader] = await insertReaders(t.dataSource, { count: 1, prefix: 'forged-' });
    const body = { type: 'complaint', email: reader.email };
    await post(body, '').expect(401);
    await post(body, bounceSignature('another-secret-0123456789', JSON.stringify(body))).expect(401);
    await post(body, bounceSignature(SECRET, JSON.stringify({ ...body, email: 'x@example.org' }))).expect(401);
    expect(await statusOf(reader.id)).toBe('active');
  });

  it('a hard bounce marks the delivery and the reader bounced; they get no later edition', async () => {
    const readers = await insertReaders(t.dataSource, { count: 3, prefix: 'late-' });
    const edition = await sentEdition(readers);
    const messageId = `<${readers[0].id}.${edition}@nashra.test>`;
    const res = await post({ type: 'bounce', email: readers[0].email.toUpperCase(), messageId }).expect(200);
    expect(res.body).toEqual({ readers: 1, deliveries: 1 });
    // Signed with the `sha256=` prefix, no Message-ID: the reader's latest sent delivery.
    const raw = JSON.stringify({ type: 'bounce', email: readers[1].email, permanent: true });
    await request(t.baseUrl)
      .post('/webhooks/bounces')
      .set('Content-Type', 'application/json')
      .set('X-Nashra-Signature', `sha256=${bounceSignature(SECRET, raw)}`)
      .send(raw)
      .expect(200);
    // A soft bounce only counts (SOFT_BOUNCE_LIMIT is 3).
    await post({ type: 'bounce', email: readers[2].email, permanent: false }).expect(200);

    expect(await statusOf(readers[0].id)).toBe('bounced');
    expect(await statusOf(readers[1].id)).toBe('bounced');
    expect(await statusOf(readers[2].id)).toBe('active');
    const [{ soft_bounces }] = await t.dataSource.query(`SELECT soft_bounces FROM subscribers WHERE id = $1`, [
      readers[2].id,
    ]);
    expect(soft_bounces).toBe(1);
    const rows = new Map((await ledger(t.dataSource, edition)).map((r) => [r.subscriber_id, r]));
    expect(rows.get(readers[0].id)!.status).toBe('bounced');
    expect(rows.get(readers[0].id)!.last_error).toMatch(/late bounce/);
    expect(rows.get(readers[1].id)!.status).toBe('bounced');
    expect(rows.get(readers[2].id)!.status).toBe('sent');

    const next = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, next);
    await t.get(DeliveryQueue).queueEdition(next);
    const queued = new Set((await ledger(t.dataSource, next)).map((r) => r.subscriber_id));
    expect(queued.has(readers[0].id)).toBe(false);
    expect(queued.has(readers[1].id)).toBe(false);
    expect(queued.has(readers[2].id)).toBe(true);
  });

  it('a complaint marks the reader complained, even one who had left', async () => {
    const [active, left] = await insertReaders(t.dataSource, { count: 2, prefix: 'spam-' });
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE id = $1`, [left.id]);
    await post({ type: 'complaint', email: active.email }).expect(200);
    await post({ type: 'complaint', email: left.email }).expect(200);
    expect(await statusOf(active.id)).toBe('complained');
    expect(await statusOf(left.id)).toBe('complained');
    // An unknown address is accepted (the provider must not retry forever) and changes nothing.
    expect((await post({ type: 'complaint', email: 'nobody@example.org' }).expect(200)).body).toEqual({
      readers: 0,
      deliveries: 0,
    });
  });

  it('answers 400 to a signed report of the wrong shape', async () => {
    await post({ type: 'delivered', email: 'a@example.org' }).expect(400);
    await post({ type: 'bounce' }).expect(400);
    await post({ type: 'bounce', email: 'a@example.org', permanent: 'yes' }).expect(400);
  });
});
