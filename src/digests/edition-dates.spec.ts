import { formatDay, formatRange, formatTime } from './edition-dates';

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
