import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { DeliverySender } from '../../src/delivery/delivery-sender';
import { SmtpSink } from '../helpers/smtp-sink';
import { startTestApp, TestApp } from '../helpers/test-app';
import { queueTestEdition, setEditionStatus, waitForEditionSent } from './ledger-fixtures';

const READERS = 60;

describe('DKIM on the raw SMTP path', () => {
  let sink: SmtpSink;
  let t: TestApp;
  const keyDir = mkdtempSync(join(tmpdir(), 'nashra-dkim-raw-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = generateKeyPairSync('ed25519');
  /** The TXT records of both selectors, handed to mailauth instead of asking DNS. */
  const records: Record<string, string> = {
    'sel2026._domainkey.nashra.test': `v=DKIM1; k=rsa; p=${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`,
    // RFC 8463: p= is the bare 32-byte Ed25519 key, the end of its SPKI form.
    'ed2026._domainkey.nashra.test': `v=DKIM1; k=ed25519; p=${ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64')}`,
  };
  const resolver = (name: string) =>
    records[name]
      ? Promise.resolve([[records[name]]])
      : Promise.reject(Object.assign(new Error(`no record for ${name}`), { code: 'ENOTFOUND' }));

  beforeAll(async () => {
    writeFileSync(join(keyDir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(keyDir, 'ed.pem'), ed.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        DKIM_DOMAIN: 'nashra.test',
        DKIM_SELECTOR: 'sel2026',
        DKIM_PRIVATE_KEY_FILE: join(keyDir, 'dkim.pem'),
        DKIM_ED25519_SELECTOR: 'ed2026',
        DKIM_ED25519_PRIVATE_KEY_FILE: join(keyDir, 'ed.pem'),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('every message of an edition arrives signed once per key (RSA, Ed25519), and every signature verifies with mailauth', async () => {
    const { edition } = await queueTestEdition(t, READERS, 'dkim-');
    await setEditionStatus(t.dataSource, edition, 'sending');
    await waitForEditionSent(t, edition, 60_000);
    expect(sink.messages).toHaveLength(READERS);
    expect(t.get(DeliverySender).sentCount).toBe(READERS);
    for (const message of sink.messages) {
      const raw = message.raw.toString('latin1');
      // Signed by nashra before the raw pool, not again by nodemailer.
      expect(raw.match(/^DKIM-Signature:/gm)).toHaveLength(2);
      expect(raw).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=nashra\.test; s=sel2026;/);
      const { results } = await dkimVerify(message.raw, { resolver: resolver as never });
      expect(results.map((r) => [r.status.result, (r as unknown as { algo: string }).algo])).toEqual([
        ['pass', 'rsa-sha256'],
        ['pass', 'ed25519-sha256'],
      ]);
    }
  });
});
