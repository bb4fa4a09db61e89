import { TemplateRenderer } from '../../src/common/template-renderer';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { TrackingTokens } from '../../src/engagement/tracking-tokens';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { appWithSmtpSink } from '../helpers/app-with-sink';
import { insertArticle, insertEdition, insertReaders, setEditionStatus, waitFor } from './ledger-fixtures';

describe('An edition sent to many readers through the real renderer', () => {
  const suite = appWithSmtpSink();

  it('compiles MJML once per segment (tracking on), and every reader gets their own unsubscribe and click links', async () => {
    const { t, sink } = suite;
    const ds = t.dataSource;
    const iraq = await insertArticle(ds, ['العراق'], 'هجمات داعش في صلاح الدين وديالى');
    const syria = await insertArticle(ds, ['سوريا'], 'الشتاء يثقل على مخيمات الشمال السوري');
    const everyone = await insertReaders(ds, { count: 60, prefix: 'whole-' });
    const iraqOnly = await insertReaders(ds, { count: 30, prefix: 'iraq-', topics: ['العراق'] });
    // Readers who chose "don't track my clicks": one more segment between them, not one per reader.
    const untracked = await insertReaders(ds, { count: 10, prefix: 'untracked-' });
    await ds.query(`UPDATE subscribers SET track_clicks = false WHERE id = ANY($1::bigint[])`, [
      untracked.map((r) => r.id),
    ]);
    const edition = await insertEdition(ds, { articleIds: [iraq, syria], subject: '' });
    await t.get(DeliveryQueue).queueEdition(edition);

    const templates = t.get(TemplateRenderer);
    const before = templates.mjmlCompilations;
    await setEditionStatus(ds, edition, 'sending');
    await waitFor(
      async () => (await ds.query(`SELECT status FROM editions WHERE id = $1`, [edition]))[0].status,
      (s) => s === 'sent',
      60_000,
      'edition sent',
    );
    // Three segments (all, the Iraq article alone, all with direct links): three compilations for 100 readers.
    expect(templates.mjmlCompilations - before).toBe(3);
    expect(sink.messages).toHaveLength(100);

    const links = t.get(SubscriberLinks);
    const tokens = t.get(TrackingTokens);
    const deliveryOf = new Map<string, string>(
      (await ds.query(`SELECT id, subscriber_id FROM deliveries WHERE edition_id = $1`, [edition])).map(
        (r: { id: string; subscriber_id: string }) => [r.subscriber_id, r.id],
      ),
    );
    for (const [readers, wantsSyria] of [
      [everyone, true],
      [iraqOnly, false],
      [untracked, true],
    ] as const) {
      for (const reader of readers) {
        const [message] = sink.to(reader.email);
        const list = message.parsed.headers.get('list') as Record<string, Record<string, string>>;
        const token = new URL(list.unsubscribe.url).searchParams.get('token');
        expect(links.verify(token)).toBe(reader.id);
        const html = message.parsed.html as string;
        expect(html).toContain(links.unsubscribeUrl(reader.id).replace(/&/g, '&amp;'));
        expect(html.match(/unsubscribe\?token=(\d+)\./g)?.every((m) => m.includes(`=${reader.id}.`))).toBe(true);
        expect(html).toContain('هجمات داعش في صلاح الدين وديالى');
        expect(html.includes('الشتاء يثقل على مخيمات الشمال السوري')).toBe(wantsSyria);
        // Click links name this reader's own delivery; readers who opted out get none.
        const clickTokens = [...html.matchAll(/\/r\/([A-Za-z0-9_-]+)"/g)].map((m) => tokens.verify(m[1]));
        const articleLinks = new Set(clickTokens.map((named) => (named?.link.kind === 'click' ? named.link.index : 0)));
        expect(articleLinks.size).toBe(readers === untracked ? 0 : wantsSyria ? 2 : 1);
        expect(clickTokens.every((named) => named?.deliveryId === deliveryOf.get(reader.id))).toBe(true);
      }
    }
  });
});
