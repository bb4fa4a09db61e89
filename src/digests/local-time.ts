/** Wall-clock times in the publication's time zone (TIMEZONE), as editors type and read them. */

type WallClock = Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;

function wallClock(at: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    numberingSystem: 'latn',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

/**
 * The instant of `YYYY-MM-DDTHH:MM` (an `<input type="datetime-local">` value) in `timeZone`, or null when the
 * text is not such a time. Two passes settle the zone's offset, daylight-saving changes included.
 */
export function instantOfLocal(local: string, timeZone: string): Date | null {
  const m = LOCAL.exec(local);
  if (!m) {
    return null;
  }
  const [year, month, day, hour, minute] = m.slice(1).map(Number);
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const shown = wallClock(new Date(guess), timeZone);
    const shownMs = Date.UTC(shown.year, shown.month - 1, shown.day, shown.hour, shown.minute);
    guess += wanted - shownMs;
  }
  const check = wallClock(new Date(guess), timeZone);
  return check.month === month && check.day === day ? new Date(guess) : null;
}

/** `YYYY-MM-DDTHH:MM` of an instant in `timeZone` (for a datetime-local input's value). */
export function localOfInstant(at: Date, timeZone: string): string {
  const w = wallClock(at, timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}
