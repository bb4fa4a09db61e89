import { simpleParser } from 'mailparser';
import { personalise, READER_PLACEHOLDERS } from '../common/reader-placeholders';
import { mailDate, PrebuiltMessage } from './prebuilt-message';

const arabic =
  'يبدو أن داعش بدأ يشكل خطراً حتمياً لا يستهان به في العراق، بخاصة مع كثرة هجماته في الآونة الأخيرة على النقاط العسكرية';
const html =
  `<html dir="rtl"><body><p>${arabic.repeat(3)}</p><a href="${READER_PLACEHOLDERS.unsubscribeUrl}">إلغاء</a>` +
  `<a href="${READER_PLACEHOLDERS.preferencesUrl}">تفضيلات</a><a href="${READER_PLACEHOLDERS.unsubscribeUrl}">x</a>` +
  `${READER_PLACEHOLDERS.unsubscribeUrl}${READER_PLACEHOLDERS.preferencesUrl}= trailing space </p></body></html>`;
const text = `${arabic}\n\nإلغاء الاشتراك: ${READER_PLACEHOLDERS.unsubscribeUrl}\nx=1 \n`;

function reader(id: string) {
  return {
    to: `reader${id}@example.org`,
    messageId: `<${id}.7.nashra@nashra.test>`,
    date: mailDate(new Date('2026-11-24T07:00:00Z')),
    // Long, with '=' and '.' that quoted-printable must carry intact.
    unsubscribeUrl: `https://nashra.example.net/subscriptions/unsubscribe?token=${id}.AbCdEfGhIjKlMnOpQrStUv&x=${'y'.repeat(70)}`,
    preferencesUrl: `https://nashra.example.net/subscriptions/preferences?token=${id}.AbCdEfGhIjKlMnOpQrStUv`,
    unsubscribeMailto: `mailto:unsubscribe@nashra.test?subject=unsubscribe-${id}`,
  };
}

describe('PrebuiltMessage', () => {
  const message = PrebuiltMessage.build({
    from: 'نشرة الحل نت <newsletter@nashra.test>',
    subject: 'نشرة الحل نت اليومية: هجمات داعش في صلاح الدين وديالى تتصاعد مع اقتراب الشتاء',
    html,
    text,
    listId: 'نشرة الحل نت <nashra.nashra.test>',
  });

  it('renders per-reader messages that parse back to exactly the personalised html, text and headers', async () => {
    for (const id of ['1', '98765']) {
      const r = reader(id);
      const raw = message.render(r);
      const parsed = await simpleParser(raw);
      expect(parsed.subject).toBe('نشرة الحل نت اليومية: هجمات داعش في صلاح الدين وديالى تتصاعد مع اقتراب الشتاء');
      expect(parsed.from?.value[0]).toEqual({ name: 'نشرة الحل نت', address: 'newsletter@nashra.test' });
      expect((parsed.to as { value: Array<{ address: string }> }).value[0].address).toBe(r.to);
      expect(parsed.messageId).toBe(r.messageId);
      expect(parsed.date?.toISOString()).toBe('2026-11-24T07:00:00.000Z');
      const list = parsed.headers.get('list') as Record<string, Record<string, string>>;
      expect(list['unsubscribe-post'].name).toBe('List-Unsubscribe=One-Click');
      expect(list.unsubscribe.url).toBe(r.unsubscribeUrl);
      expect(list.unsubscribe.mail).toBe(`unsubscribe@nashra.test?subject=unsubscribe-${id}`);
      expect(list.id.id).toBe('nashra.nashra.test');
      expect(parsed.html).toBe(personalise(html, r));
      expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(personalise(text, r));
    }
  });

  it('keeps every body line within the 76-character quoted-printable limit and the message 7-bit', () => {
    const raw = message.render(reader('123456789012'));
    const bodyLines = raw.toString('latin1').slice(raw.indexOf('\r\n\r\n')).split('\r\n');
    expect(bodyLines.length).toBeGreaterThan(10);
    expect(Math.max(...bodyLines.map((l) => l.length))).toBeLessThanOrEqual(76);
    expect([...raw].every((b) => b < 0x80)).toBe(true);
  });
});
