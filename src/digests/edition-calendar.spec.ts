import { editionKey, latestTick } from './edition-calendar';

describe('editionKey', () => {
  it('uses the calendar day of the publication time zone, not UTC', () => {
    // 22:30 UTC on the 24th is already the 25th in Baghdad (UTC+3).
    expect(editionKey('daily', new Date('2026-11-24T22:30:00Z'), 'Asia/Baghdad')).toBe('daily:2026-11-25');
    expect(editionKey('daily', new Date('2026-11-24T22:30:00Z'), 'UTC')).toBe('daily:2026-11-24');
  });

  it('names weekly editions by ISO week, including weeks that straddle a new year', () => {
    expect(editionKey('weekly', new Date('2026-11-27T04:00:00Z'), 'Asia/Baghdad')).toBe('weekly:2026-W48');
    // Friday 1 January 2027 belongs to ISO week 53 of 2026.
    expect(editionKey('weekly', new Date('2027-01-01T04:00:00Z'), 'Asia/Baghdad')).toBe('weekly:2026-W53');
    // Monday 29 December 2025 is in week 1 of 2026.
    expect(editionKey('weekly', new Date('2025-12-29T10:00:00Z'), 'Asia/Baghdad')).toBe('weekly:2026-W01');
  });
});

describe('latestTick', () => {
  it('finds the last daily tick at or before now in the time zone', () => {
    expect(latestTick('0 7 * * *', 'Asia/Baghdad', new Date('2026-11-24T03:59:00Z'))).toEqual(
      new Date('2026-11-23T04:00:00Z'),
    );
    expect(latestTick('0 7 * * *', 'Asia/Baghdad', new Date('2026-11-24T04:00:00Z'))).toEqual(
      new Date('2026-11-24T04:00:00Z'),
    );
  });

  it('finds the last weekly tick days back', () => {
    // Friday 07:00 Baghdad; on Tuesday 24 November the last one was Friday 20 November.
    expect(latestTick('0 7 * * 5', 'Asia/Baghdad', new Date('2026-11-24T12:00:00Z'))).toEqual(
      new Date('2026-11-20T04:00:00Z'),
    );
  });

  it('handles a frequent expression without walking far', () => {
    expect(latestTick('*/5 * * * *', 'UTC', new Date('2026-11-24T12:07:30Z'))).toEqual(
      new Date('2026-11-24T12:05:00Z'),
    );
  });
});
