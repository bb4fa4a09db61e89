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
  /** The TXT record of sel2026._domainkey.nashra.test, handed to mailauth instead of asking DNS. */
  const record = `v=DKIM1; k=rsa; p=${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
  const resolver = (name: string) =>
    name === 'sel2026._domainkey.nashra.test'
      ? Promise.resolve([[record]])
      : Promise.reject(Object.assign(new Error(`no record for ${name}`), { code: 'ENOTFOUND' }));

  beforeAll(async () => {
    writeFileSync(join(keyDir, 'dkim.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        DKIM_DOMAIN: 'nashra.test',
        DKIM_SELECTOR: 'sel2026',
        DKIM_PRIVATE_KEY_FILE: join(keyDir, 'dkim.pem'),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('every message of an edition arrives signed once, and every signature verifies with mailauth', async () => {
    const { edition } = await queueTestEdition(t, READERS, 'dkim-');
    await setEditionStatus(t.dataSource, edition, 'sending');
    await waitForEditionSent(t, edition, 60_000);
    expect(sink.messages).toHaveLength(READERS);
    expect(t.get(DeliverySender).sentCount).toBe(READERS);
    for (const message of sink.messages) {
      const raw = message.raw.toString('latin1');
      // Signed by nashra before the raw pool, not again by nodemailer.
      expect(raw.match(/^DKIM-Signature:/gm)).toHaveLength(1);
      expect(raw).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=nashra\.test; s=sel2026;/);
      const { results } = await dkimVerify(message.raw, { resolver: resolver as never });
      expect(results.map((r) => r.status.result)).toEqual(['pass']);
    }
  });
});
