import { LateReportLedger, recipientQuery } from '../../src/delivery/late-reports/late-report-ledger';
import { deliveryMessageId } from '../../src/delivery/prebuilt-message';
import { startTestApp, TestApp } from '../helpers/test-app';
import { insertEdition, insertReaders } from './ledger-fixtures';

/**
 * A late report names its delivery by Message-ID: on a ledger of many editions the lookup must use
 * ix_deliveries_message_key (migration DeliveryMessageKeyIndex), not read every row.
 */
describe('Late reports find the delivery by its indexed message key', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the index is built (valid) and the Message-ID lookup plans an index scan on 20,000 rows', async () => {
    const [index] = await t.dataSource.query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE c.relname = 'ix_deliveries_message_key'`,
    );
    expect(index).toEqual({ valid: true });

    const readers = await insertReaders(t.dataSource, { count: 500, prefix: 'message-key-' });
    const editions: string[] = [];
    for (let i = 0; i < 40; i++) {
      editions.push(await insertEdition(t.dataSource, { status: 'sent' }));
    }
    await t.dataSource.query(
      `INSERT INTO deliveries (edition_id, subscriber_id, segment_key, status, attempts, sent_at)
       SELECT e, s, 'all', 'sent', 1, now() FROM unnest($1::bigint[]) e, unnest($2::bigint[]) s`,
      [editions, readers.map((r) => r.id)],
    );
    await t.dataSource.query('ANALYZE deliveries');
    const [row] = await t.dataSource.query(
      `SELECT subscriber_id::text AS id, message_key::text AS key FROM deliveries WHERE edition_id = $1 LIMIT 1`,
      [editions[17]],
    );
    const messageId = deliveryMessageId(row.key, t.config.mailDomain);

    const query = recipientQuery(messageId);
    const plan = JSON.stringify(await t.dataSource.query(`EXPLAIN (FORMAT JSON) ${query.sql}`, query.params));
    // The ledger is partitioned by edition (migration PartitionedLedger): each partition holding rows is read
    // through its own part of the index; a partition with no row (one made ahead, the DEFAULT one) has nothing
    // to scan.
    const held = (await t.dataSource.query(
      `SELECT DISTINCT tableoid::regclass::text AS name FROM deliveries`,
    )) as Array<{ name: string }>;
    expect(held.length).toBeGreaterThan(0);
    const indexOf = new Map(
      (
        (await t.dataSource.query(
          `SELECT i.indrelid::regclass::text AS partition, c.relname AS index
           FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_index i ON i.indexrelid = c.oid
           WHERE h.inhparent = 'ix_deliveries_message_key'::regclass`,
        )) as Array<{ partition: string; index: string }>
      ).map((r) => [r.partition, r.index]),
    );
    for (const { name } of held) {
      expect(plan).toContain(`"Index Name":"${indexOf.get(name)}"`);
      expect(plan).not.toMatch(new RegExp(`"Node Type":"Seq Scan"[^}]*"Relation Name":"${name}"`));
    }
    expect(await t.get(LateReportLedger).recipientOf(messageId)).toBe(row.id);
  });
});
