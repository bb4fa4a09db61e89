import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { clickPlaceholder, READER_PLACEHOLDERS } from '../common/reader-placeholders';
import { DkimKey, DkimSigner, relaxBody } from './dkim-signer';
import { mailDate, PrebuiltMessage, ReaderFields } from './prebuilt-message';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed = generateKeyPairSync('ed25519');

/** The TXT record a domain would publish for a key (no DNS is asked: mailauth gets this resolver). */
function txtRecord(publicKey: KeyObject): string {
  if (publicKey.asymmetricKeyType === 'ed25519') {
    // RFC 8463: p= is the bare 32-byte key, the end of its SPKI form.
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
    return `v=DKIM1; k=ed25519; p=${raw.toString('base64')}`;
  }
  return `v=DKIM1; k=rsa; p=${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
}

const RECORDS: Record<string, string> = {
  'nashra2026._domainkey.example.net': txtRecord(rsa.publicKey),
  'nashraed._domainkey.example.net': txtRecord(ed.publicKey),
};
const resolver = (name: string, type: string): Promise<string[][]> => {
  const record = type === 'TXT' ? RECORDS[name] : undefined;
  if (!record) {
    return Promise.reject(Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' }));
  }
  return Promise.resolve([[record]]);
};

async function verified(message: Buffer): Promise<Array<{ result: string; algo: string; domain: string }>> {
  const { results } = await dkimVerify(message, { resolver: resolver as never });
  return results.map((r) => ({
    result: r.status.result,
    algo: (r as unknown as { algo: string }).algo,
    domain: r.signingDomain ?? '',
  }));
}

const RSA_KEY: DkimKey = { domain: 'example.net', selector: 'nashra2026', privateKey: rsa.privateKey };
const ED_KEY: DkimKey = { domain: 'example.net', selector: 'nashraed', privateKey: ed.privateKey };

const link = clickPlaceholder(1);
const CONTENT = {
  from: 'نشرة الحل نت <newsletter@example.net>',
  subject: 'نشرة الأربعاء: «أزمة المياه» في الحسكة',
  // Runs of spaces, tabs and trailing blanks: what relaxed canonicalisation changes.
  html: `<html dir="rtl"><body>\n<p>أزمة    المياه\tفي الحسكة   \n<a href="${link}">اقرأ</a>  </p>\n<a href="${READER_PLACEHOLDERS.unsubscribeUrl}">إلغاء</a>\n</body></html>`,
  text: `نشرة الأربعاء  \n\nاقرأ: ${link}\nتعديل التفضيلات: ${READER_PLACEHOLDERS.preferencesUrl}\nإلغاء: ${READER_PLACEHOLDERS.unsubscribeUrl}\n`,
  listId: 'الحل نت <nashra.example.net>',
};

function reader(i: number): ReaderFields {
  return {
    to: `reader${i}@example.org`,
    messageId: `<${i.toString(16).padStart(32, '0')}@example.net>`,
    date: mailDate(new Date('2026-12-07T09:00:00Z')),
    unsubscribeUrl: `https://nashra.example.net/subscriptions/unsubscribe?t=tok${i}`,
    preferencesUrl: `https://nashra.example.net/subscriptions/preferences?t=tok${i}`,
    unsubscribeMailto: `mailto:unsubscribe@example.net?subject=unsubscribe%20tok${i}`,
    trackedUrl: (l) => `https://nashra.example.net/r/${i}-${l.kind === 'click' ? l.index : 'o'}`,
  };
}

describe('DKIM signing of prebuilt messages', () => {
  it.each(['8bit', 'quoted-printable'] as const)(
    'every reader message of a %s segment verifies with mailauth, RSA and Ed25519 signatures alike',
    async (encoding) => {
      const message = PrebuiltMessage.build(CONTENT, encoding, { dkim: true });
      const signer = new DkimSigner([RSA_KEY, ED_KEY]);
      const buffer = Buffer.alloc(256 * 1024);
      for (let i = 1; i <= 25; i++) {
        const { message: bytes, headerLength, bodyHash } = message.renderForSigning(reader(i), buffer, 2048);
        const signed = Buffer.concat([await signer.signatureFields(bytes.subarray(0, headerLength), bodyHash), bytes]);
        expect(await verified(signed)).toEqual([
          { result: 'pass', algo: 'rsa-sha256', domain: 'example.net' },
          { result: 'pass', algo: 'ed25519-sha256', domain: 'example.net' },
        ]);
      }
    },
  );

  it('a message changed after signing fails: a reader link, or a signed header', async () => {
    const message = PrebuiltMessage.build(CONTENT, '8bit', { dkim: true });
    const { message: bytes, headerLength, bodyHash } = message.renderForSigning(reader(7), undefined, 0);
    const signed = Buffer.concat([
      await new DkimSigner([RSA_KEY]).signatureFields(bytes.subarray(0, headerLength), bodyHash),
      bytes,
    ]);
    const otherLink = Buffer.from(signed.toString('utf8').replace('tok7', 'tok8'), 'utf8');
    expect((await verified(otherLink))[0].result).not.toBe('pass');
    const otherSubject = Buffer.from(signed.toString('utf8').replace('reader7@example.org', 'reader8@example.org'));
    expect((await verified(otherSubject))[0].result).toBe('fail');
    expect((await verified(signed))[0].result).toBe('pass');
  });

  it('signMessage signs any whole message, e.g. one with trailing blank lines and spaces', async () => {
    const raw = Buffer.from(
      'From: a@example.net\r\nTo: b@example.org\r\nSubject:  hello   there \r\n\r\nline one   \r\n\tline  two\r\n\r\n\r\n',
    );
    const signed = await new DkimSigner([RSA_KEY, ED_KEY]).signMessage(raw);
    expect((await verified(signed)).map((r) => r.result)).toEqual(['pass', 'pass']);
  });

  it('relaxBody collapses runs of blanks and drops those before a line break, in one pass', () => {
    expect(relaxBody(Buffer.from('a  \t b \r\n c\t\r\n  \r\nend  ')).toString()).toBe('a b\r\n c\r\n\r\nend ');
    const long = Buffer.from(' '.repeat(200_000) + 'x');
    expect(relaxBody(long).toString()).toBe(' x');
  });
});
