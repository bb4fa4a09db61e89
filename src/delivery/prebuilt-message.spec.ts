import { simpleParser } from 'mailparser';
import {
  clickPlaceholder,
  OPEN_PIXEL_PLACEHOLDER,
  personalise,
  READER_PLACEHOLDERS,
  type TrackedLink,
} from '../common/reader-placeholders';
import { BodyEncoding, mailDate, PrebuiltMessage } from './prebuilt-message';

const arabic =
  'يبدو أن داعش بدأ يشكل خطراً حتمياً لا يستهان به في العراق، بخاصة مع كثرة هجماته في الآونة الأخيرة على النقاط العسكرية';
// One very long line (as MJML can emit), several placeholders on it, '=' and trailing spaces.
const html =
  `<html dir="rtl"><body><p style="a: b; c: d">${(arabic + ' ').repeat(12)}</p><a href="${READER_PLACEHOLDERS.unsubscribeUrl}">إلغاء</a> ` +
  `<a href="${READER_PLACEHOLDERS.preferencesUrl}">تفضيلات</a> <a href="${READER_PLACEHOLDERS.unsubscribeUrl}">x</a>` +
  `${READER_PLACEHOLDERS.unsubscribeUrl}${READER_PLACEHOLDERS.preferencesUrl}= trailing space </p>` +
  // Tracked links: any number of them, one repeated (image and title of the same story), and the pixel.
  `<a href="${clickPlaceholder(1)}">١</a><a href="${clickPlaceholder(12)}">١٢</a><a href="${clickPlaceholder(1)}">x</a>` +
  `<img src="${OPEN_PIXEL_PLACEHOLDER}"></body></html>`;
const text = `${arabic}\n\n${clickPlaceholder(3)}\nإلغاء الاشتراك: ${READER_PLACEHOLDERS.unsubscribeUrl}\nx=1 \n`;
const subject = 'نشرة الحل نت اليومية: هجمات داعش في صلاح الدين وديالى تتصاعد مع اقتراب الشتاء';

function reader(id: string) {
  return {
    to: `reader${id}@example.org`,
    messageId: `<${id}.7.nashra@nashra.test>`,
    date: mailDate(new Date('2026-11-24T07:00:00Z')),
    // Long, with '=' and '.' that quoted-printable must carry intact.
    unsubscribeUrl: `https://nashra.example.net/subscriptions/unsubscribe?token=${id}.AbCdEfGhIjKlMnOpQrStUv&x=${'y'.repeat(70)}`,
    preferencesUrl: `https://nashra.example.net/subscriptions/preferences?token=${id}.AbCdEfGhIjKlMnOpQrStUv`,
    unsubscribeMailto: `mailto:unsubscribe@nashra.test?subject=unsubscribe-${id}`,
    trackedUrl: (link: TrackedLink) =>
      link.kind === 'open'
        ? `https://nashra.example.net/o/${id}-pixel=AbCdEfGhIjKlMnOpQrStUvWxYz.gif`
        : `https://nashra.example.net/r/${id}-${link.index}=AbCdEfGhIjKlMnOpQrStUvWxYz`,
  };
}

function build(encoding: BodyEncoding, body = html) {
  return PrebuiltMessage.build(
    {
      from: 'نشرة الحل نت <newsletter@nashra.test>',
      subject,
      html: body,
      text,
      listId: 'نشرة الحل نت <nashra.nashra.test>',
    },
    encoding,
  );
}

function bodyLines(raw: Buffer): string[] {
  return raw.subarray(raw.indexOf('\r\n\r\n')).toString('latin1').split('\r\n');
}

describe.each(['8bit', 'quoted-printable'] as const)('PrebuiltMessage (%s bodies)', (encoding) => {
  const message = build(encoding);

  it('renders per-reader messages that parse back to exactly the personalised html, text and headers', async () => {
    for (const id of ['1', '98765']) {
      const r = reader(id);
      const raw = message.render(r);
      const parsed = await simpleParser(raw);
      expect(parsed.subject).toBe(subject);
      expect(parsed.from?.value[0]).toEqual({ name: 'نشرة الحل نت', address: 'newsletter@nashra.test' });
      expect((parsed.to as { value: Array<{ address: string }> }).value[0].address).toBe(r.to);
      expect(parsed.messageId).toBe(r.messageId);
      expect(parsed.date?.toISOString()).toBe('2026-11-24T07:00:00.000Z');
      const list = parsed.headers.get('list') as Record<string, Record<string, string>>;
      expect(list['unsubscribe-post'].name).toBe('List-Unsubscribe=One-Click');
      expect(list.unsubscribe.url).toBe(r.unsubscribeUrl);
      expect(list.unsubscribe.mail).toBe(`unsubscribe@nashra.test?subject=unsubscribe-${id}`);
      expect(list.id.id).toBe('nashra.nashra.test');
      // Folding 8bit lines turns a space into a line break; HTML reads both as one space.
      const expectedHtml = personalise(html, r);
      expect(encoding === '8bit' ? parsed.html && parsed.html.replace(/\r\n/g, ' ') : parsed.html).toBe(expectedHtml);
      expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(personalise(text, r));
    }
  });

  it('keeps every line within the limit of its encoding after the longest URLs go in', () => {
    const r = reader('123456789012');
    const raw = message.render({ ...r, unsubscribeUrl: r.unsubscribeUrl + 'z'.repeat(200) });
    const longest = Math.max(...bodyLines(raw).map((l) => Buffer.byteLength(l, 'latin1')));
    expect(longest).toBeLessThanOrEqual(encoding === '8bit' ? 998 : 76);
    expect([...raw].every((b) => b < 0x80)).toBe(encoding === 'quoted-printable');
  });
});

describe('PrebuiltMessage fallback', () => {
  it('sends a part quoted-printable when a line has nowhere to fold', async () => {
    const unbreakable = `<img src="data:image/png;base64,${'A'.repeat(3000)}"><a href="${READER_PLACEHOLDERS.unsubscribeUrl}">x</a>`;
    const raw = build('8bit', unbreakable).render(reader('5'));
    expect(raw.toString('latin1')).toMatch(/text\/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable/);
    expect(Math.max(...bodyLines(raw).map((l) => l.length))).toBeLessThanOrEqual(998);
    const parsed = await simpleParser(raw);
    expect(parsed.html).toBe(personalise(unbreakable, reader('5')));
  });
});

describe('PrebuiltMessage.render into a reused buffer', () => {
  it('writes the same bytes as a fresh render, and leaves a buffer too small untouched', () => {
    const message = build('8bit');
    const fresh = message.render(reader('42'));
    const reused = Buffer.alloc(fresh.length + 500, 0x78);
    message.render(reader('7'), reused); // a previous reader's bytes, overwritten next
    const again = message.render(reader('42'), reused);
    expect(again.buffer).toBe(reused.buffer);
    expect(again.equals(fresh)).toBe(true);
    const small = Buffer.alloc(10, 0x78);
    const other = message.render(reader('42'), small);
    expect(other.equals(fresh)).toBe(true);
    expect(small.equals(Buffer.alloc(10, 0x78))).toBe(true);
  });
});
