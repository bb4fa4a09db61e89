import request from 'supertest';
import { personalise } from '../../src/common/reader-placeholders';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import {
  insertEdition,
  insertReader,
  insertReaders,
  insertRender,
  ledger,
  sampleRender,
  setEditionStatus,
  waitFor,
} from './ledger-fixtures';

/** One app sending through a real SMTP server in this process. */
describe('Delivery through SMTP', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let queue: DeliveryQueue;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        SMTP_POOL_SIZE: '5',
        DELIVERY_BATCH_SIZE: '100',
        DELIVERY_RETRY_BASE_SECONDS: '1',
        DELIVERY_MAX_ATTEMPTS: '3',
        DELIVERY_LEASE_SECONDS: '30',
        UNSUBSCRIBE_MAILTO: 'unsubscribe@nashra.test',
      },
    });
    queue = t.get(DeliveryQueue);
  });
  afterEach(async () => {
    sink.rule = undefined;
    sink.clear();
    // Each test's readers leave the audience so the next edition is only the next test's readers.
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  async function send(editionId: string): Promise<void> {
    await queue.queueEdition(editionId);
    await setEditionStatus(t.dataSource, editionId, 'sending');
  }

  async function editionStatus(editionId: string): Promise<string> {
    const [row] = await t.dataSource.query(`SELECT status FROM editions WHERE id = $1`, [editionId]);
    return row.status;
  }

  it('sends an edition to 1,000 readers exactly once each, with the list headers, and one-click unsubscribe works', async () => {
    const readers = await insertReaders(t.dataSource, { count: 1000, prefix: 'thousand-' });
    const edition = await insertEdition(t.dataSource);
    const render = sampleRender();
    await insertRender(t.dataSource, edition, 'all', render);
    await send(edition);

    await sink.waitForMessages(1000, 90_000);
    await waitFor(
      () => editionStatus(edition),
      (s) => s === 'sent',
      15_000,
      'edition sent',
    );
    // Nothing more arrives once the edition is done.
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.messages).toHaveLength(1000);
    const perAddress = new Map<string, number>();
    for (const m of sink.messages) {
      expect(m.to).toHaveLength(1);
      perAddress.set(m.to[0], (perAddress.get(m.to[0]) ?? 0) + 1);
    }
    expect(readers.every((r) => perAddress.get(r.email) === 1)).toBe(true);
    expect(await queue.countsByStatus(edition)).toMatchObject({ sent: 1000, queued: 0, sending: 0, failed: 0 });
    // Editors read the same numbers, with the rate, from the admin API.
    const detail = await request(t.baseUrl).get(`/admin/digests/${edition}`).set('Authorization', t.editorAuth);
    expect(detail.status).toBe(200);
    expect(detail.body.deliveries).toMatchObject({ sent: 1000, queued: 0, sending: 0, failed: 0, bounced: 0 });
    expect(detail.body.progress).toMatchObject({ total: 1000, remaining: 0, etaSeconds: 0 });
    expect(detail.body.progress.ratePerSecond).toBeGreaterThan(0);

    const links = t.get(SubscriberLinks);
    const target = readers[417];
    const [message] = sink.to(target.email);
    const parsed = message.parsed;
    expect(parsed.subject).toBe(render.subject);
    expect(parsed.messageId).toMatch(/@nashra\.test>$/);
    expect(parsed.date).toBeInstanceOf(Date);
    expect(parsed.from?.value[0].address).toBe('newsletter@nashra.test');
    const list = parsed.headers.get('list') as Record<string, Record<string, string>>;
    expect(list['unsubscribe-post'].name).toBe('List-Unsubscribe=One-Click');
    // The edition's newsletter is its own list: `<slug>.<mail domain>`.
    expect(list.id.id).toBe('daily.nashra.test');
    expect(list.unsubscribe.mail).toBe(`unsubscribe@nashra.test?subject=unsubscribe%20${links.token(target.id)}`);
    const unsubscribeUrl = list.unsubscribe.url;
    expect(unsubscribeUrl.startsWith(`${t.baseUrl}/subscriptions/unsubscribe?token=`)).toBe(true);
    // The body carries the same reader's own links.
    const ownLinks = {
      unsubscribeUrl: links.unsubscribeUrl(target.id, 'daily'),
      preferencesUrl: links.preferencesUrl(target.id),
    };
    // 8bit bodies fold lines over 900 octets at a space; HTML reads the break as that space.
    const spaced = (html: string) => html.replace(/\s+/g, ' ');
    expect(spaced(parsed.html as string)).toBe(spaced(personalise(render.html, ownLinks)));
    expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(personalise(render.text, ownLinks));
    expect(unsubscribeUrl).toBe(ownLinks.unsubscribeUrl);
    const messageIds = new Set(sink.messages.map((m) => m.parsed.messageId));
    expect(messageIds.size).toBe(1000);

    // The one-click POST a mail client makes (RFC 8058): exactly that reader leaves that newsletter.
    const url = new URL(unsubscribeUrl);
    const res = await request(t.baseUrl)
      .post(url.pathname + url.search)
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(res.status).toBeLessThan(400);
    const ended: Array<{ id: string }> = await t.dataSource.query(
      `SELECT sub.subscriber_id::text AS id FROM subscriptions sub JOIN newsletters n ON n.id = sub.newsletter_id
        WHERE sub.subscriber_id = ANY($1::bigint[]) AND n.slug = 'daily' AND sub.status = 'unsubscribed'`,
      [readers.map((r) => r.id)],
    );
    expect(ended.map((s) => s.id)).toEqual([target.id]);
  });

  it('retries a 451 with backoff until accepted, and bounces a 550 reader while the rest are sent', async () => {
    await insertReaders(t.dataSource, { count: 8, prefix: 'fine-' });
    const flaky = await insertReader(t.dataSource, 'flaky@example.org');
    const gone = await insertReader(t.dataSource, 'nobody@example.org');
    sink.rule = (address, attempt) => {
      if (address === 'flaky@example.org' && attempt <= 2) {
        return { code: 451, message: '4.7.1 Greylisted, try again later' };
      }
      if (address === 'nobody@example.org') {
        return { code: 550, message: '5.1.1 No such user here' };
      }
      return undefined;
    };
    const edition = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, edition);
    await send(edition);

    await waitFor(
      () => editionStatus(edition),
      (s) => s === 'sent',
      30_000,
      'edition sent',
    );
    const rows = new Map((await ledger(t.dataSource, edition)).map((r) => [r.subscriber_id, r]));
    expect(rows.get(flaky)).toMatchObject({ status: 'sent', attempts: 3 });
    expect(sink.attemptsFor('flaky@example.org')).toBe(3);
    expect(sink.to('flaky@example.org')).toHaveLength(1);
    expect(rows.get(gone)!.status).toBe('bounced');
    expect(rows.get(gone)!.last_error).toContain('No such user');
    expect(sink.to('nobody@example.org')).toHaveLength(0);
    const [reader] = await t.dataSource.query(`SELECT status, bounced_at FROM subscribers WHERE id = $1`, [gone]);
    expect(reader.status).toBe('bounced');
    expect(reader.bounced_at).not.toBeNull();
    expect([...rows.values()].filter((r) => r.status === 'sent')).toHaveLength(9);
    expect(sink.messages).toHaveLength(9);
  });

  it('gives up after DELIVERY_MAX_ATTEMPTS, and the editor can retry the failed deliveries', async () => {
    await insertReaders(t.dataSource, { count: 3, prefix: 'steady-' });
    const stuck = await insertReader(t.dataSource, 'stuck@example.org');
    let refusing = true;
    sink.rule = (address) =>
      address === 'stuck@example.org' && refusing ? { code: 421, message: '4.3.2 Service shutting down' } : undefined;
    const edition = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, edition);
    await queue.queueEdition(edition);
    // As if one attempt had already failed: two more (1 s backoff) reach DELIVERY_MAX_ATTEMPTS = 3.
    await t.dataSource.query(`UPDATE deliveries SET attempts = 1 WHERE edition_id = $1 AND subscriber_id = $2`, [
      edition,
      stuck,
    ]);
    await setEditionStatus(t.dataSource, edition, 'sending');

    await waitFor(
      () => editionStatus(edition),
      (s) => s === 'sent',
      30_000,
      'edition sent',
    );
    let rows = new Map((await ledger(t.dataSource, edition)).map((r) => [r.subscriber_id, r]));
    expect(rows.get(stuck)).toMatchObject({ status: 'failed', attempts: 3 });
    expect(rows.get(stuck)!.last_error).toMatch(/421.*gave up after 3 attempts/);

    refusing = false;
    expect(await queue.retryFailed(edition)).toBe(1);
    await waitFor(
      () => editionStatus(edition),
      (s) => s === 'sent',
      30_000,
      'edition sent again',
    );
    rows = new Map((await ledger(t.dataSource, edition)).map((r) => [r.subscriber_id, r]));
    expect(rows.get(stuck)!.status).toBe('sent');
    expect(sink.to('stuck@example.org')).toHaveLength(1);
    expect(sink.messages).toHaveLength(4);
  });

  it('pauses an edition by itself when failures pass the threshold, and says why', async () => {
    await insertReaders(t.dataSource, { count: 40, prefix: 'refused-', domain: 'blocked.example' });
    sink.rule = (address) =>
      address.endsWith('@blocked.example') ? { code: 554, message: '5.7.1 Relay access denied' } : undefined;
    const edition = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, edition);
    await send(edition);
    const paused = await waitFor(
      async () => (await t.dataSource.query(`SELECT status, status_reason FROM editions WHERE id = $1`, [edition]))[0],
      (e: { status: string; status_reason: string }) => e.status === 'paused',
      30_000,
      'edition paused',
    );
    expect(paused.status_reason).toMatch(/Paused automatically: \d+ of \d+ finished deliveries failed or bounced/);
    expect(paused.status_reason).toContain('Relay access denied');
  });
});
