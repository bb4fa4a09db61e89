import type { AppConfig } from '../config/app-config';
import type { Clock } from './clock';
import { Formatter, formatDay, formatRange, formatTime } from './formatter';
import { Locale } from './locale';

const baghdad = { timeZone: 'Asia/Baghdad', months: 'levant', digits: 'latin' } as const;

describe('edition dates', () => {
  it('writes the day in the publication’s month names, Latin digits by default', () => {
    const date = new Date('2026-11-25T05:00:00Z');
    expect(formatDay(date, baghdad)).toBe('الأربعاء، 25 تشرين الثاني 2026');
    expect(formatDay(date, { ...baghdad, months: 'egypt' })).toBe('الأربعاء، 25 نوفمبر 2026');
    expect(formatDay(date, { ...baghdad, months: 'maghreb' })).toBe('الأربعاء، 25 نونبر 2026');
    expect(formatDay(date, { ...baghdad, digits: 'arabic' })).toBe('الأربعاء، ٢٥ تشرين الثاني ٢٠٢٦');
  });

  it('uses the time zone for the day', () => {
    expect(formatDay(new Date('2026-11-24T22:30:00Z'), baghdad)).toBe('الأربعاء، 25 تشرين الثاني 2026');
  });

  it('names a week’s range within a month, across months and across years', () => {
    expect(formatRange(new Date('2026-11-18T04:00:00Z'), new Date('2026-11-24T04:00:00Z'), baghdad)).toBe(
      '18 – 24 تشرين الثاني 2026',
    );
    expect(formatRange(new Date('2026-10-28T04:00:00Z'), new Date('2026-11-03T04:00:00Z'), baghdad)).toBe(
      '28 تشرين الأول – 3 تشرين الثاني 2026',
    );
    expect(formatRange(new Date('2026-12-29T04:00:00Z'), new Date('2027-01-04T04:00:00Z'), baghdad)).toBe(
      '29 كانون الأول 2026 – 4 كانون الثاني 2027',
    );
  });

  it('writes an article’s time on the 24-hour clock', () => {
    expect(formatTime(new Date('2026-11-25T06:05:00Z'), baghdad)).toBe('09:05');
    expect(formatTime(new Date('2026-11-25T06:05:00Z'), { ...baghdad, digits: 'arabic' })).toBe('٠٩:٠٥');
  });
});

describe('counts and relative times in Arabic (ICU plural messages in the locale file)', () => {
  const config = (digits: 'latin' | 'arabic') =>
    ({
      publication: { name: 'نشرة', timeZone: 'Asia/Baghdad', monthNames: 'levant', digits },
    }) as AppConfig;
  const now = new Date('2026-12-07T09:00:00Z');
  const clock = { now: () => now } as Clock;
  const format = (digits: 'latin' | 'arabic' = 'latin') =>
    new Formatter(config(digits), new Locale(config(digits)), clock);

  it.each([
    [0, 'لا قرّاء', 'لا مقالات', '0 دقيقة'],
    [1, 'قارئ واحد', 'مقال واحد', 'دقيقة واحدة'],
    [2, 'قارئان', 'مقالان', 'دقيقتان'],
    [3, '3 قرّاء', '3 مقالات', '3 دقائق'],
    [10, '10 قرّاء', '10 مقالات', '10 دقائق'],
    [11, '11 قارئًا', '11 مقالًا', '11 دقيقة'],
    [100, '100 قارئ', '100 مقال', '100 دقيقة'],
  ])('%i: %s, %s, %s', (n, readers, articles, minutes) => {
    expect(format().count('newsroom.count.readers', n)).toBe(readers);
    expect(format().count('newsroom.count.articles', n)).toBe(articles);
    expect(format().count('newsroom.count.minutes', n)).toBe(minutes);
  });

  it('writes the count in the site’s digits', () => {
    expect(format('arabic').count('newsroom.count.readers', 11)).toBe('١١ قارئًا');
    expect(format('arabic').count('newsroom.count.readers', 1234)).toBe('١٬٢٣٤ قارئًا');
  });

  it('says how long ago, or how long until, in words', () => {
    const at = (seconds: number) => new Date(now.getTime() + seconds * 1000);
    expect(format().relative(at(-20))).toBe('الآن');
    expect(format().relative(at(-60))).toBe('قبل دقيقة');
    expect(format().relative(at(-120))).toBe('قبل دقيقتين');
    expect(format().relative(at(-5 * 60))).toBe('قبل 5 دقائق');
    expect(format().relative(at(-11 * 60))).toBe('قبل 11 دقيقة');
    expect(format().relative(at(-3 * 3600))).toBe('قبل 3 ساعات');
    expect(format().relative(at(2 * 86400))).toBe('بعد يومين');
    expect(format().relative(at(-30 * 86400))).toBe('7 تشرين الثاني 2026، 12:00');
  });

  it('writes a moment with the site’s month names, and Monday one way', () => {
    const date = new Date('2026-12-07T09:05:00Z');
    expect(format().dateTime(date)).toBe('7 كانون الأول 2026، 12:05');
    expect(format().day(date)).toBe('الاثنين، 7 كانون الأول 2026');
    expect(format().dateTime(null)).toBe('');
  });
});
