import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { insertEdition, insertReader, insertRender, setEditionStatus, waitFor } from './ledger-fixtures';

/**
 * Two installs on one sending domain (staging beside production, or a reinstall): each has delivery 1 of
 * edition 1 to its first reader. Receivers drop a repeated Message-ID as a duplicate, so they must differ.
 */
describe('Message-ID across installs', () => {
  let sink: SmtpSink;
  const installs: TestApp[] = [];

  beforeAll(async () => {
    sink = await SmtpSink.start();
    for (let i = 0; i < 2; i++) {
      installs.push(await startTestApp({ env: { SMTP_URL: sink.url, DELIVERY_BATCH_SIZE: '10' } }));
    }
  });
  afterAll(async () => {
    for (const t of installs) {
      await t.close();
    }
    await sink?.stop();
  });

  it('gives the two installs’ first messages different random Message-IDs, kept in each ledger', async () => {
    for (const [i, t] of installs.entries()) {
      await insertReader(t.dataSource, `reader${i}@example.net`);
      const edition = await insertEdition(t.dataSource);
      await insertRender(t.dataSource, edition);
      await t.get(DeliveryQueue).queueEdition(edition);
      await setEditionStatus(t.dataSource, edition, 'sending');
      await sink.waitForMessages(i + 1);
    }
    const ids = sink.messages.map((m) => m.parsed.messageId);
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      expect(id).toMatch(/^<[0-9a-f]{32}@nashra\.test>$/);
    }
    expect(ids[0]).not.toBe(ids[1]);

    for (const [i, t] of installs.entries()) {
      const [row] = await waitFor(
        () => t.dataSource.query(`SELECT id::text, message_id FROM deliveries`),
        (rows: Array<{ id: string; message_id: string | null }>) => rows.length === 1 && rows[0].message_id !== null,
        10_000,
        'ledger row sent',
      );
      // Both installs' first delivery is row 1: the old `<delivery.edition@domain>` would have been the same.
      expect(row.id).toBe('1');
      expect(row.message_id).toBe(sink.messages.find((m) => m.to[0] === `reader${i}@example.net`)!.parsed.messageId);
    }
  });
});
