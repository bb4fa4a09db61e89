import { TemplateRenderer } from '../../src/common/template-renderer';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { SubscriberLinks } from '../../src/subscribers/subscriber-links';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { insertArticle, insertEdition, insertReaders, setEditionStatus, waitFor } from './ledger-fixtures';

describe('An edition sent to many readers through the real renderer', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('compiles MJML once per segment, and every reader gets their own unsubscribe link', async () => {
    const ds = t.dataSource;
    const iraq = await insertArticle(ds, ['العراق'], 'هجمات داعش في صلاح الدين وديالى');
    const syria = await insertArticle(ds, ['سوريا'], 'الشتاء يثقل على مخيمات الشمال السوري');
    const everyone = await insertReaders(ds, { count: 60, prefix: 'whole-' });
    const iraqOnly = await insertReaders(ds, { count: 30, prefix: 'iraq-', topics: ['العراق'] });
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
    // Two segments (all, and the Iraq article alone): two compilations for 90 readers.
    expect(templates.mjmlCompilations - before).toBe(2);
    expect(sink.messages).toHaveLength(90);

    const links = t.get(SubscriberLinks);
    for (const [readers, wantsSyria] of [
      [everyone, true],
      [iraqOnly, false],
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
      }
    }
  });
});
