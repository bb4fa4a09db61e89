import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { EditionCountsReconciliation } from '../../src/delivery/edition-counts-reconciliation';
import { LateReportLedger } from '../../src/delivery/late-reports/late-report-ledger';
import { ReaderCountsReconciliation } from '../../src/subscribers/reader-counts-reconciliation';
import { ReaderStats } from '../../src/subscribers/reader-stats';
import { SubscriberPrivacyService } from '../../src/subscribers/subscriber-privacy.service';
import {
  insertEdition,
  insertReaders,
  insertRender,
  setEditionStatus,
  waitForEditionSent,
} from '../delivery/ledger-fixtures';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

/** What the ledger holds for an edition, counted the slow way, for comparison with the kept counts. */
async function counted(t: TestApp, edition: string): Promise<Record<string, number>> {
  const rows: Array<{ status: string; n: number }> = await t.dataSource.query(
    `SELECT status, count(*)::int AS n FROM deliveries WHERE edition_id = $1 GROUP BY status`,
    [edition],
  );
  const all = { queued: 0, sending: 0, sent: 0, failed: 0, bounced: 0, skipped: 0 };
  return { ...all, ...Object.fromEntries(rows.map((r) => [r.status, r.n])) };
}

describe('Counts kept in the statement that changes the rows', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start({
      rule: (address) => (address.startsWith('kept-3@') ? { code: 550, message: 'no such user' } : undefined),
    });
    t = await startTestApp({ env: { SMTP_URL: sink.url, DELIVERY_BATCH_SIZE: '7' } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it("an edition's counts follow its send, a late bounce and a reader's erasure, and the recount finds no drift", async () => {
    const readers = await insertReaders(t.dataSource, { count: 30, prefix: 'kept-' });
    const edition = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, edition);
    const queue = t.get(DeliveryQueue);
    await queue.queueEdition(edition);
    expect(await queue.countsByStatus(edition)).toEqual(await counted(t, edition));
    expect((await queue.countsByStatus(edition)).queued).toBe(30);

    await setEditionStatus(t.dataSource, edition, 'sending');
    await waitForEditionSent(t, edition, 60_000);
    const afterSend = await queue.countsByStatus(edition);
    expect(afterSend).toEqual(await counted(t, edition));
    expect(afterSend).toMatchObject({ sent: 29, bounced: 1, queued: 0, sending: 0 });
    const progress = await queue.progress(edition);
    expect(progress.remaining).toBe(0);
    expect(progress.lastSentAt).not.toBeNull();

    // A late hard bounce moves one reader from sent to bounced.
    await t.get(LateReportLedger).markLateBounce([readers[10].id], null, '550 mailbox gone');
    expect(await queue.countsByStatus(edition)).toMatchObject({ sent: 28, bounced: 2 });

    // An erased reader's row leaves the ledger, and the count with it.
    await t.get(SubscriberPrivacyService).erase(readers[20].id);
    expect(await queue.countsByStatus(edition)).toEqual(await counted(t, edition));
    expect((await queue.countsByStatus(edition)).sent).toBe(27);

    expect(await t.get(EditionCountsReconciliation).runOnce()).toEqual([]);
  });

  it('the nightly recount logs a drift and puts the kept counts right', async () => {
    const [{ id: edition }]: Array<{ id: string }> = await t.dataSource.query(
      `SELECT edition_id::text AS id FROM edition_counts ORDER BY edition_id DESC LIMIT 1`,
    );
    const truth = await counted(t, edition);
    // Written around the triggers, as a hand-run statement or a restore might.
    await t.dataSource.query(`UPDATE edition_counts SET sent = sent + 5 WHERE edition_id = $1`, [edition]);
    const drifts = await t.get(EditionCountsReconciliation).runOnce();
    expect(drifts).toEqual([{ editionId: edition, kept: { ...truth, sent: truth.sent + 5 }, counted: truth }]);
    expect(await t.get(DeliveryQueue).countsByStatus(edition)).toEqual(truth);
  });

  it('readers per status and frequency, and sign-ups and unsubscribes per day, are kept and recounted', async () => {
    const stats = t.get(ReaderStats);
    const before = await stats.counts();
    const dayBefore = (await stats.perDay(1, 'Asia/Damascus', new Date()))[0];
    const weekly = await insertReaders(t.dataSource, { count: 12, prefix: 'weekly-', frequency: 'weekly' });
    await t.dataSource.query(
      `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now() WHERE id = ANY($1::bigint[])`,
      [weekly.slice(0, 4).map((r) => r.id)],
    );
    const after = await stats.counts();
    expect(after.total - before.total).toBe(12);
    expect(after.activeByFrequency.weekly - before.activeByFrequency.weekly).toBe(8);
    expect(after.byStatus.unsubscribed - before.byStatus.unsubscribed).toBe(4);
    const [slow] = (await t.dataSource.query(`SELECT count(*)::int AS n FROM subscribers`)) as Array<{ n: number }>;
    expect(after.total).toBe(slow.n);
    const today = (await stats.perDay(1, 'Asia/Damascus', new Date()))[0];
    expect(today.signups - dayBefore.signups).toBe(12);
    expect(today.unsubscribes - dayBefore.unsubscribes).toBe(4);

    const reconciliation = t.get(ReaderCountsReconciliation);
    expect(await reconciliation.runOnce()).toEqual([]);
    await t.dataSource.query(`UPDATE reader_counts SET n = n + 3 WHERE status = 'active' AND frequency = 'weekly'`);
    expect(await reconciliation.runOnce()).toEqual([{ key: 'active/weekly/{}', kept: 11, counted: 8 }]);
    expect((await stats.counts()).activeByFrequency.weekly).toBe(8);
    expect(await reconciliation.runOnce()).toEqual([]);
  });
});
