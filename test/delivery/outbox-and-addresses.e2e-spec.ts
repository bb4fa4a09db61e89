import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
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

async function sendAndWait(t: TestApp, render = sampleRender()): Promise<string> {
  const edition = await insertEdition(t.dataSource);
  await insertRender(t.dataSource, edition, 'all', render);
  await t.get(DeliveryQueue).queueEdition(edition);
  await setEditionStatus(t.dataSource, edition, 'sending');
  await waitFor(
    async () => (await t.dataSource.query(`SELECT status FROM editions WHERE id = $1`, [edition]))[0].status,
    (s) => s === 'sent',
    30_000,
    'edition sent',
  );
  return edition;
}

const spaced = (html: string) => html.replace(/\s+/g, ' ');

describe('Outbox: no SMTP_URL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('writes one .eml per reader that parses as the message the reader would get', async () => {
    const readers = await insertReaders(t.dataSource, { count: 3, prefix: 'outbox-' });
    const render = sampleRender();
    await sendAndWait(t, render);
    const files = readdirSync(t.config.outboxDir).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(3);
    const links = t.get(SubscriberLinks);
    const byAddress = new Map<string, Awaited<ReturnType<typeof simpleParser>>>();
    for (const file of files) {
      const parsed = await simpleParser(readFileSync(join(t.config.outboxDir, file)));
      byAddress.set((parsed.to as { value: Array<{ address: string }> }).value[0].address, parsed);
    }
    for (const reader of readers) {
      const parsed = byAddress.get(reader.email)!;
      // The edition's newsletter (daily) names itself in the reader's unsubscribe link.
      const own = {
        unsubscribeUrl: links.unsubscribeUrl(reader.id, 'daily'),
        preferencesUrl: links.preferencesUrl(reader.id),
      };
      expect(parsed.subject).toBe(render.subject);
      expect(spaced(parsed.html as string)).toBe(spaced(personalise(render.html, own)));
      expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(personalise(render.text, own));
      const list = parsed.headers.get('list') as Record<string, Record<string, string>>;
      expect(list.unsubscribe.url).toBe(own.unsubscribeUrl);
      expect(list['unsubscribe-post'].name).toBe('List-Unsubscribe=One-Click');
      expect(parsed.messageId).toMatch(/@nashra\.test>$/);
    }
  });
});

describe('DKIM', () => {
  let t: TestApp;
  const keyDir = mkdtempSync(join(tmpdir(), 'nashra-dkim-'));
  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(keyDir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    t = await startTestApp({
      env: { DKIM_DOMAIN: 'nashra.test', DKIM_SELECTOR: 'sel2026', DKIM_PRIVATE_KEY_FILE: join(keyDir, 'dkim.pem') },
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('signs prebuilt messages with the configured key', async () => {
    await insertReaders(t.dataSource, { count: 2, prefix: 'signed-' });
    await sendAndWait(t);
    const files = readdirSync(t.config.outboxDir).filter((f) => f.endsWith('.eml'));
    expect(files).toHaveLength(2);
    for (const file of files) {
      const raw = readFileSync(join(t.config.outboxDir, file), 'utf8');
      const signature = /^DKIM-Signature: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1].replace(/\r\n[ \t]/g, ' ');
      expect(signature).toMatch(/d=nashra\.test/);
      expect(signature).toMatch(/s=sel2026/);
      expect(signature).toMatch(/h=[^;]*List-Unsubscribe/i);
    }
  });
});

describe.each([true, false])('Internationalised addresses (server offers SMTPUTF8: %s)', (smtputf8) => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await SmtpSink.start({ smtputf8 });
    t = await startTestApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it(
    smtputf8
      ? 'sends UTF-8 local parts and IDN domains as they are'
      : 'fails a UTF-8 local part clearly and sends an IDN domain as punycode',
    async () => {
      const utf8Local = await insertReader(t.dataSource, 'قارئ@example.org');
      const idn = await insertReader(t.dataSource, 'reader@مثال.example');
      const plain = await insertReader(t.dataSource, 'plain@example.org');
      const edition = await sendAndWait(t);
      const rows = new Map((await ledger(t.dataSource, edition)).map((r) => [r.subscriber_id, r]));
      expect(rows.get(plain)!.status).toBe('sent');
      expect(rows.get(idn)!.status).toBe('sent');
      if (smtputf8) {
        expect(rows.get(utf8Local)!.status).toBe('sent');
        expect(sink.to('قارئ@example.org')).toHaveLength(1);
        expect(sink.to('reader@مثال.example')).toHaveLength(1);
      } else {
        expect(rows.get(utf8Local)!.status).toBe('failed');
        expect(rows.get(utf8Local)!.last_error).toMatch(/SMTPUTF8/);
        // smtp-server and mailparser show the domain decoded; on the wire it went as punycode.
        const [idnMessage] = sink.to('reader@مثال.example');
        expect(idnMessage.raw.toString('latin1')).toContain('\r\nTo: reader@xn--mgbh0fb.example\r\n');
        expect(sink.messages).toHaveLength(2);
        // Not the reader's fault: they stay subscribed.
        const [reader] = await t.dataSource.query(`SELECT status FROM subscribers WHERE id = $1`, [utf8Local]);
        expect(reader.status).toBe('active');
      }
    },
  );
});
