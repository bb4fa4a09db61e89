import request from 'supertest';
import { mailgunSignature } from '../../src/delivery/late-reports/mailgun-webhook';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { deliveryMessageId } from '../../src/delivery/prebuilt-message';
import {
  mailgunEvent,
  postmarkBounce,
  postmarkSpamComplaint,
  sesBounce,
  sesComplaint,
  SNS_SUBSCRIPTION_CONFIRMATION,
  snsNotification,
} from '../fixtures/bounces/provider-payloads';
import { signedSns, TestSnsCertificates } from '../fixtures/bounces/sns-signing';
import { SnsCertificateFetcher } from '../../src/delivery/late-reports/sns-signature';
import { startTestApp, TestApp } from '../helpers/test-app';
import { insertEdition, insertReaders, insertRender, ledger } from './ledger-fixtures';

const SECRET = 'bounce-webhook-secret-0123456789';
const MAILGUN_KEY = 'mailgun-signing-key-0123456789abcdef';
const basic = (password: string) => `Basic ${Buffer.from(`nashra:${password}`).toString('base64')}`;

/**
 * Issue 11: late bounces and complaints in the providers' own shapes and authentication: Amazon SES through
 * SNS and Postmark with basic auth (BOUNCE_WEBHOOK_SECRET as password), Mailgun with its signing key.
 */
describe('Bounce webhooks of SES, Postmark and Mailgun', () => {
  let t: TestApp;
  const certificates = new TestSnsCertificates();

  beforeAll(async () => {
    t = await startTestApp({
      env: { BOUNCE_WEBHOOK_SECRET: SECRET, MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY },
      override: (builder) => builder.overrideProvider(SnsCertificateFetcher).useValue(certificates),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const statusOf = async (id: string) =>
    (await t.dataSource.query(`SELECT status FROM subscribers WHERE id = $1`, [id]))[0].status as string;

  /** An edition sent to these readers; each reader's Message-ID, as the sender wrote it. */
  async function sentEdition(readers: Array<{ id: string }>): Promise<{ edition: string; messageIds: string[] }> {
    const edition = await insertEdition(t.dataSource, { status: 'sent' });
    const messageIds: string[] = [];
    for (const r of readers) {
      const [row]: Array<{ message_key: string }> = await t.dataSource.query(
        `INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, attempts, sent_at)
         VALUES ($1::bigint, $2::bigint, 'all', 'sent', 1, now()) RETURNING message_key`,
        [edition, r.id],
      );
      messageIds.push(deliveryMessageId(row.message_key, t.config.mailDomain));
    }
    return { edition, messageIds };
  }
  const deliveryStatus = async (edition: string, reader: string) =>
    (await ledger(t.dataSource, edition)).find((r) => r.subscriber_id === reader)!.status;

  /** SNS posts its JSON as text/plain, signed (with the tests' stand-in for Amazon's key) unless `raw`. */
  const ses = (message: Record<string, unknown>, auth = basic(SECRET), raw = false) => {
    const body = raw ? message : signedSns(message);
    return request(t.baseUrl)
      .post('/webhooks/bounces/ses')
      .set('Content-Type', 'text/plain; charset=UTF-8')
      .set('x-amz-sns-message-type', String((body as { Type?: string }).Type))
      .set('Authorization', auth)
      .send(JSON.stringify(body));
  };
  const postmark = (body: object, auth = basic(SECRET)) =>
    request(t.baseUrl).post('/webhooks/bounces/postmark').set('Authorization', auth).send(body);
  const mailgun = (
    body: Record<string, unknown>,
    key = MAILGUN_KEY,
    timestamp = Math.floor(Date.now() / 1000),
    token = `tok${Math.random().toString(16).slice(2)}${Date.now()}`,
  ) => {
    const signature = {
      timestamp: String(timestamp),
      token,
      signature: mailgunSignature(key, String(timestamp), token),
    };
    return request(t.baseUrl)
      .post('/webhooks/bounces/mailgun')
      .send({ signature, ...body });
  };

  it('refuses a provider report without the right credentials (401), and changes nothing', async () => {
    const [reader] = await insertReaders(t.dataSource, { count: 1, prefix: 'forged-provider-' });
    const complaint = snsNotification(sesComplaint(reader.email, '<x@nashra.test>'));
    const challenge = await ses(complaint, '').expect(401);
    expect(challenge.headers['www-authenticate']).toMatch(/^Basic realm=/);
    await ses(complaint, basic('wrong-secret-0123456789')).expect(401);
    await postmark(postmarkSpamComplaint(reader.email), '').expect(401);
    await postmark(postmarkSpamComplaint(reader.email), basic('wrong-secret-0123456789')).expect(401);
    const event = mailgunEvent('complained', reader.email, '<x@nashra.test>');
    await mailgun(event, 'another-mailgun-key-0123456789').expect(401);
    // A genuine signature captured an hour ago and replayed.
    await mailgun(event, MAILGUN_KEY, Math.floor(Date.now() / 1000) - 3600).expect(401);
    await request(t.baseUrl).post('/webhooks/bounces/mailgun').send(event).expect(401);
    expect(await statusOf(reader.id)).toBe('active');
  });

  it('SES: logs the subscription confirmation; a Permanent bounce marks delivery and reader bounced', async () => {
    expect((await ses(SNS_SUBSCRIPTION_CONFIRMATION).expect(200)).body).toEqual({ subscription: 'logged' });

    const readers = await insertReaders(t.dataSource, { count: 3, prefix: 'ses-' });
    const { edition, messageIds } = await sentEdition(readers);
    // A later edition went out too: the bounce names the earlier message, and that is the row marked.
    const later = await sentEdition([readers[0]]);
    const res = await ses(snsNotification(sesBounce(readers[0].email, messageIds[0]))).expect(200);
    expect(res.body).toEqual({ readers: 1, deliveries: 1 });
    expect(await deliveryStatus(later.edition, readers[0].id)).toBe('sent');
    await ses(snsNotification(sesComplaint(readers[1].email, messageIds[1]))).expect(200);

    expect(await statusOf(readers[0].id)).toBe('bounced');
    expect(await deliveryStatus(edition, readers[0].id)).toBe('bounced');
    expect(await statusOf(readers[1].id)).toBe('complained');
    expect(await deliveryStatus(edition, readers[1].id)).toBe('sent');
    expect(await statusOf(readers[2].id)).toBe('active');
  });

  it('SES: refuses (403) a message Amazon did not sign, and changes nothing; both checks must pass', async () => {
    const [reader] = await insertReaders(t.dataSource, { count: 1, prefix: 'ses-forged-' });
    const { edition, messageIds } = await sentEdition([reader]);
    const complaint = snsNotification(sesComplaint(reader.email, messageIds[0]));

    const unsigned = await ses(complaint, basic(SECRET), true).expect(403);
    expect(unsigned.body.message).toMatch(/SNS signature refused: it does not match the message/);
    const changed = { ...signedSns(complaint), Message: JSON.stringify(sesBounce(reader.email, messageIds[0])) };
    await ses(changed, basic(SECRET), true).expect(403);
    const elsewhere = await ses(
      {
        ...complaint,
        SigningCertURL: 'https://sns.eu-central-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem',
      },
      basic(SECRET),
    ).expect(403);
    expect(elsewhere.body.message).toMatch(/SigningCertURL must be https:\/\/sns\.<region>\.amazonaws\.com/);
    // A genuine signature does not stand in for the basic-auth secret.
    await ses(complaint, basic('wrong-secret-0123456789')).expect(401);
    expect(await statusOf(reader.id)).toBe('active');
    expect(await deliveryStatus(edition, reader.id)).toBe('sent');

    // SignatureVersion 2 (SHA256withRSA) is taken like 1; the certificate was fetched once for all of these.
    await ses(signedSns(complaint, '2'), basic(SECRET), true).expect(200);
    expect(await statusOf(reader.id)).toBe('complained');
    expect(new Set(certificates.downloads)).toEqual(new Set([complaint.SigningCertURL]));
    expect(certificates.downloads).toHaveLength(1);
  });

  it('SES: three Transient bounces of three messages make the reader bounced; one message reported twice counts once', async () => {
    const [reader, other] = await insertReaders(t.dataSource, { count: 2, prefix: 'ses-soft-' });
    const sends = [await sentEdition([reader, other]), await sentEdition([reader]), await sentEdition([reader])];
    const soft = (to: string, messageId: string) => ses(snsNotification(sesBounce(to, messageId, 'Transient')));

    await soft(reader.email, sends[0].messageIds[0]).expect(200);
    await soft(reader.email, sends[0].messageIds[0]).expect(200); // the same message again: not counted
    await soft(reader.email, sends[1].messageIds[0]).expect(200);
    expect(await statusOf(reader.id)).toBe('active');
    await soft(other.email, sends[0].messageIds[1]).expect(200);
    const third = await soft(reader.email, sends[2].messageIds[0]).expect(200);
    expect(third.body).toEqual({ readers: 1, deliveries: 1 });

    expect(await statusOf(reader.id)).toBe('bounced');
    expect(await deliveryStatus(sends[2].edition, reader.id)).toBe('bounced');
    expect(await deliveryStatus(sends[0].edition, reader.id)).toBe('sent');
    expect(await statusOf(other.id)).toBe('active');
    const softCount = async (id: string) =>
      (await t.dataSource.query(`SELECT soft_bounces FROM subscribers WHERE id = $1`, [id]))[0].soft_bounces as number;
    expect(await softCount(other.id)).toBe(1);

    // Soft bounces older than SOFT_BOUNCE_WINDOW_DAYS (30) are forgotten: the next one starts a new count.
    await t.dataSource.query(
      `UPDATE subscribers SET soft_bounces = 2, soft_bounces_since = now() - interval '31 days' WHERE id = $1`,
      [other.id],
    );
    const later = await sentEdition([other]);
    await soft(other.email, later.messageIds[0]).expect(200);
    expect(await statusOf(other.id)).toBe('active');
    expect(await softCount(other.id)).toBe(1);
  });

  it('Postmark: HardBounce bounces the reader (latest delivery), SpamComplaint makes them complained', async () => {
    const readers = await insertReaders(t.dataSource, { count: 3, prefix: 'postmark-' });
    const { edition } = await sentEdition(readers);
    expect((await postmark(postmarkBounce(readers[0].email)).expect(200)).body).toEqual({ readers: 1, deliveries: 1 });
    await postmark(postmarkSpamComplaint(readers[1].email)).expect(200);
    await postmark(postmarkBounce(readers[2].email, 'AutoResponder', 32)).expect(200);

    expect(await statusOf(readers[0].id)).toBe('bounced');
    expect(await deliveryStatus(edition, readers[0].id)).toBe('bounced');
    expect(await statusOf(readers[1].id)).toBe('complained');
    expect(await statusOf(readers[2].id)).toBe('active');
  });

  it('Mailgun: failed/permanent bounces, complained complains, failed/temporary only counts', async () => {
    const readers = await insertReaders(t.dataSource, { count: 3, prefix: 'mailgun-' });
    const { edition, messageIds } = await sentEdition(readers);
    const res = await mailgun(mailgunEvent('failed', readers[0].email, messageIds[0], 'permanent')).expect(200);
    expect(res.body).toEqual({ readers: 1, deliveries: 1 });
    await mailgun(mailgunEvent('complained', readers[1].email, messageIds[1])).expect(200);
    await mailgun(mailgunEvent('failed', readers[2].email, messageIds[2], 'temporary')).expect(200);

    expect(await statusOf(readers[0].id)).toBe('bounced');
    expect(await deliveryStatus(edition, readers[0].id)).toBe('bounced');
    expect(await statusOf(readers[1].id)).toBe('complained');
    expect(await statusOf(readers[2].id)).toBe('active');
    expect(await deliveryStatus(edition, readers[2].id)).toBe('sent');
  });

  it('Mailgun: a signed request is taken once; the same one replayed within 15 minutes is refused', async () => {
    const [reader, other] = await insertReaders(t.dataSource, { count: 2, prefix: 'mailgun-replay-' });
    const { messageIds } = await sentEdition([reader, other]);
    // A token whose signature went stale long ago: forgotten at the next signed request.
    await t.dataSource.query(
      `INSERT INTO webhook_tokens (provider, token, expires_at) VALUES ('mailgun', 'old-token', now() - interval '1 minute')`,
    );
    const timestamp = Math.floor(Date.now() / 1000) - 60;
    const event = mailgunEvent('failed', reader.email, messageIds[0], 'temporary');
    await mailgun(event, MAILGUN_KEY, timestamp, 'token-seen-once-0123456789').expect(200);
    const replay = await mailgun(event, MAILGUN_KEY, timestamp, 'token-seen-once-0123456789').expect(401);
    expect(replay.body.message).toMatch(/already used/);

    // The same token signed for another event is still the same token: refused too.
    const complaint = mailgunEvent('complained', other.email, messageIds[1]);
    await mailgun(complaint, MAILGUN_KEY, timestamp, 'token-seen-once-0123456789').expect(401);
    expect(await statusOf(other.id)).toBe('active');
    const softCount = (await t.dataSource.query(`SELECT soft_bounces FROM subscribers WHERE id = $1`, [reader.id]))[0];
    expect(softCount).toEqual({ soft_bounces: 1 });
    expect(await t.dataSource.query(`SELECT token FROM webhook_tokens WHERE token = 'old-token'`)).toEqual([]);
  });

  it('bounced and complained readers get no later edition', async () => {
    const readers = await insertReaders(t.dataSource, { count: 3, prefix: 'suppressed-' });
    const { messageIds } = await sentEdition(readers);
    await mailgun(mailgunEvent('failed', readers[0].email, messageIds[0], 'permanent')).expect(200);
    await postmark(postmarkSpamComplaint(readers[1].email)).expect(200);

    const next = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, next);
    await t.get(DeliveryQueue).queueEdition(next);
    const queued = new Set((await ledger(t.dataSource, next)).map((r) => r.subscriber_id));
    expect([queued.has(readers[0].id), queued.has(readers[1].id), queued.has(readers[2].id)]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('answers 400 to an authenticated report it cannot read', async () => {
    await request(t.baseUrl)
      .post('/webhooks/bounces/ses')
      .set('Content-Type', 'text/plain')
      .set('Authorization', basic(SECRET))
      .send('{not json')
      .expect(400);
    await ses({ ...snsNotification({}), Message: JSON.stringify({ notificationType: 'Bounce' }) }).expect(400);
    await postmark({ RecordType: 'Bounce', Type: 'HardBounce', Email: 'not-an-address' }).expect(400);
    await mailgun({ 'event-data': { event: 'failed', recipient: 'a@example.org', severity: 'sometimes' } }).expect(400);
  });
});
