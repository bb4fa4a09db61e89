import { freePort } from '../../src/database/embedded-postgres';
import { TransactionalOutbox } from '../../src/delivery/transactional-outbox';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { waitFor } from '../helpers/wait-for';
import { postJson, subscriberByKey } from '../readers/reader-steps';
import { queueTestEdition, setEditionStatus } from './ledger-fixtures';

interface MessageRow {
  status: string;
  attempts: number;
  last_error: string | null;
  html: string | null;
  message_id: string | null;
}

async function confirmationRow(t: TestApp, email: string): Promise<MessageRow | undefined> {
  const [row] = await t.dataSource.query(
    `SELECT status, attempts, last_error, html, message_id FROM transactional_messages
     WHERE kind = 'confirmation' AND recipient = $1 ORDER BY id DESC LIMIT 1`,
    [email],
  );
  return row as MessageRow | undefined;
}

/** The transactional outbox's rows go out through the ledger's machinery: retries, bounces, outages, priority. */
describe('Delivery: the transactional outbox', () => {
  describe('with an SMTP server', () => {
    let t: TestApp;
    let sink: SmtpSink;

    beforeAll(async () => {
      sink = await SmtpSink.start();
      t = await startTestApp({
        env: {
          SMTP_URL: sink.url,
          DELIVERY_RETRY_BASE_SECONDS: '1',
          SMTP_POOL_SIZE: '2',
          // 300 digest messages at 60/s take about 5 s: long enough to see a confirmation overtake them.
          SEND_RATE_PER_SECOND: '60',
        },
      });
    });
    afterAll(async () => {
      await t?.close();
      await sink?.stop();
    });
    beforeEach(() => {
      sink.rule = undefined;
      sink.clear();
    });

    it('a 4xx answer is retried after the backoff; the accepted message keeps its Message-ID and loses its body', async () => {
      sink.rule = (address, attempt) =>
        address === 'greylisted@example.com' && attempt === 1 ? { code: 451, message: 'try again later' } : undefined;
      await postJson(t, { email: 'greylisted@example.com' }).expect(200);
      const [mail] = await sink.waitForMessages(1);
      expect(sink.attemptsFor('greylisted@example.com')).toBe(2);
      await t.get(TransactionalOutbox).idle();
      const row = await confirmationRow(t, 'greylisted@example.com');
      expect(row).toMatchObject({ status: 'sent', attempts: 2, html: null, message_id: mail.parsed.messageId });
    });

    it('a 5xx at RCPT TO bounces the message and the pending reader, who gets nothing more', async () => {
      sink.rule = (address) => (address === 'nobody@example.com' ? { code: 550, message: 'no such user' } : undefined);
      await postJson(t, { email: 'nobody@example.com' }).expect(200);
      await waitFor(
        () => confirmationRow(t, 'nobody@example.com'),
        (row) => row?.status === 'bounced',
        30_000,
        'the confirmation bounced',
      );
      expect((await subscriberByKey(t, 'nobody@example.com'))!.status).toBe('bounced');
      expect((await confirmationRow(t, 'nobody@example.com'))!.attempts).toBe(1);
      expect(sink.messages).toEqual([]);
    });

    it('a confirmation does not wait behind an edition being sent', async () => {
      const { edition } = await queueTestEdition(t, 300, 'busy-');
      await setEditionStatus(t.dataSource, edition, 'sending');
      await sink.waitForMessages(20);
      await postJson(t, { email: 'impatient@example.com' }).expect(200);
      await waitFor(
        async () => sink.to('impatient@example.com').length,
        (n) => n === 1,
        30_000,
        'the confirmation',
      );
      const digestsBefore = sink.messages.findIndex((m) => m.to[0] === 'impatient@example.com');
      // Sent while most of the edition was still to go.
      expect(digestsBefore).toBeLessThan(200);
      await waitFor(
        async () => sink.messages.length,
        (n) => n === 301,
        60_000,
        'the rest of the edition',
      );
    });
  });

  describe('when the SMTP server is down', () => {
    let t: TestApp;
    let sink: SmtpSink | undefined;
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      t = await startTestApp({
        env: { SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_OUTAGE_BACKOFF_SECONDS: '1', DELIVERY_MAX_ATTEMPTS: '2' },
      });
    });
    afterAll(async () => {
      await t?.close();
      await sink?.stop();
    });

    it('waits out the outage without using the reader’s attempts, then sends the confirmation', async () => {
      await postJson(t, { email: 'patient@example.com' }).expect(200);
      await waitFor(
        () => confirmationRow(t, 'patient@example.com'),
        (row) => Boolean(row?.last_error),
        30_000,
        'a failed try',
      );
      // Several tries later (backoff 1 s, 2 s, …), still queued with no attempt used.
      await new Promise((resolve) => setTimeout(resolve, 3500));
      expect(await confirmationRow(t, 'patient@example.com')).toMatchObject({ status: 'queued', attempts: 0 });
      const [transport] = await t.dataSource.query(`SELECT reachable FROM transport_status WHERE name = 'smtp'`);
      expect(transport.reachable).toBe(false);

      sink = await SmtpSink.start({}, port);
      const [mail] = await sink.waitForMessages(1, 60_000);
      expect(mail.to).toEqual(['patient@example.com']);
      await t.get(TransactionalOutbox).idle();
      expect(await confirmationRow(t, 'patient@example.com')).toMatchObject({ status: 'sent', attempts: 1 });
    });
  });
});
