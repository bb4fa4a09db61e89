import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliveryQueue } from '../../src/delivery/delivery-queue';
import { insertEdition, insertReaders, insertRender, setEditionStatus } from '../delivery/ledger-fixtures';
import { editionState, waitForEditionToStop } from '../factories/deliveries';
import { TestDnsServer } from '../helpers/dns-server';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';

const DOMAIN = 'nashra.test';
const NAME = `nashra._domainkey.${DOMAIN}`;
const record = (key: KeyObject) =>
  `v=DKIM1; k=rsa; p=${key.export({ format: 'der', type: 'spki' }).toString('base64')}`;

/**
 * Issue 25: each edition's first message is verified as a receiver would (DKIM against DNS, aligned with From);
 * one that would fail pauses the edition before the rest go out.
 */
describe('Deliverability: the self-check of each edition', () => {
  const dns = new TestDnsServer();
  const dir = mkdtempSync(join(tmpdir(), 'nashra-dkim-'));
  const ours = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stale = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    writeFileSync(join(dir, 'dkim.pem'), ours.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    await dns.start({ txt: { [NAME]: [record(ours.publicKey)] } });
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        SEND_RATE_PER_SECOND: '40',
        DELIVERY_BATCH_SIZE: '20',
        SMTP_POOL_SIZE: '2',
        DNS_SERVERS: dns.servers,
        DKIM_DOMAIN: DOMAIN,
        DKIM_SELECTOR: 'nashra',
        DKIM_PRIVATE_KEY_FILE: join(dir, 'dkim.pem'),
      },
    });
  });
  afterEach(async () => {
    sink.clear();
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE status = 'active'`);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
    await dns.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(readers: number, prefix: string): Promise<string> {
    await insertReaders(t.dataSource, { count: readers, prefix });
    const edition = await insertEdition(t.dataSource);
    await insertRender(t.dataSource, edition);
    await t.get(DeliveryQueue).queueEdition(edition);
    await setEditionStatus(t.dataSource, edition, 'sending');
    return edition;
  }
  const editionRow = (id: string) => editionState(t.dataSource, id);
  const selfCheck = async (id: string) =>
    (await t.dataSource.query(`SELECT passed, detail FROM edition_self_checks WHERE edition_id = $1`, [id]))[0];

  it('passes with the right key in DNS, and the edition goes out whole', async () => {
    const edition = await send(60, 'ok-');
    await waitForEditionToStop(t.dataSource, edition, 60_000, 'edition finished');
    expect(await editionRow(edition)).toEqual({ status: 'sent', reason: null });
    expect(await selfCheck(edition)).toMatchObject({ passed: true });
    expect(sink.messages).toHaveLength(60);
  });

  it('pauses the edition after its first messages when DNS holds another key, saying why', async () => {
    dns.zone.txt![NAME] = [record(stale.publicKey)];
    const edition = await send(300, 'stale-');
    const paused = await waitForEditionToStop(t.dataSource, edition, 60_000);
    expect(paused.status).toBe('paused');
    expect(paused.reason).toContain('self-check');
    expect(paused.reason).toMatch(/DKIM (fail|neutral) for d=nashra.test s=nashra/);
    expect(await selfCheck(edition)).toMatchObject({ passed: false });
    const sent = Number(
      (
        await t.dataSource.query(`SELECT count(*) AS n FROM deliveries WHERE edition_id = $1 AND status = 'sent'`, [
          edition,
        ])
      )[0].n,
    );
    expect(sent).toBeLessThan(60); // the first flush or two, not the edition
  });
});
