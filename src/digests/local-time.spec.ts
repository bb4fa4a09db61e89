import { instantOfLocal, localOfInstant } from './local-time';

describe('local time in the publication time zone', () => {
  it('reads a datetime-local value in Baghdad (UTC+3) and in a zone with daylight saving', () => {
    expect(instantOfLocal('2026-11-25T09:30', 'Asia/Baghdad')?.toISOString()).toBe('2026-11-25T06:30:00.000Z');
    expect(instantOfLocal('2026-07-01T12:00', 'Europe/Berlin')?.toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect(instantOfLocal('2026-01-01T12:00', 'Europe/Berlin')?.toISOString()).toBe('2026-01-01T11:00:00.000Z');
  });

  it('refuses text that is not a time', () => {
    expect(instantOfLocal('tomorrow', 'Asia/Baghdad')).toBeNull();
    expect(instantOfLocal('2026-02-31T10:00', 'Asia/Baghdad')).toBeNull();
  });

  it('writes an instant back as the editor typed it', () => {
    expect(localOfInstant(new Date('2026-11-25T06:30:00Z'), 'Asia/Baghdad')).toBe('2026-11-25T09:30');
  });
});
