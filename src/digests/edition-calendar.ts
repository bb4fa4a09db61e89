import { CronTime } from 'cron';
import type { Frequency } from '../common/frequency';

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/** How far back the very first edition of a frequency looks for articles. */
export function periodMs(frequency: Frequency): number {
  return frequency === 'weekly' ? 7 * DAY : DAY;
}

/** The calendar date of an instant in a time zone, as numbers. */
function localDate(at: Date, timeZone: string): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    numberingSystem: 'latn',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: get('year'), month: get('month'), day: get('day') };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * The unique key of a scheduled edition: `daily:YYYY-MM-DD` or `weekly:GGGG-Www` (ISO week), in the
 * publication's time zone, so two instances ticking at the same moment compute the same key.
 */
export function editionKey(frequency: Frequency, at: Date, timeZone: string): string {
  const { year, month, day } = localDate(at, timeZone);
  if (frequency === 'daily') {
    return `daily:${year}-${pad(month)}-${pad(day)}`;
  }
  // ISO 8601 week: the week belongs to the year that holds its Thursday.
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const isoYear = date.getUTCFullYear();
  const week = Math.ceil(((date.getTime() - Date.UTC(isoYear, 0, 1)) / DAY + 1) / 7);
  return `weekly:${isoYear}-W${pad(week)}`;
}

/** A digest newsletter's edition key: `<slug>:` and its period's date or ISO week (`economy:2026-W48`). */
export function newsletterEditionKey(slug: string, period: Frequency, at: Date, timeZone: string): string {
  const key = editionKey(period, at, timeZone);
  return `${slug}${key.slice(key.indexOf(':'))}`;
}

/** The last moment at or before `now` when the cron expression fired in the time zone (null: none in 35 days). */
export function latestTick(cron: string, timeZone: string, now: Date): Date | null {
  const time = new CronTime(cron, timeZone);
  const next = (from: Date) => time.getNextDateFrom(from, timeZone).toJSDate();
  // Widen the search until a tick falls inside it, then walk forward: few steps for any sane expression.
  for (const back of [HOUR, DAY, 8 * DAY, 35 * DAY]) {
    let tick = next(new Date(now.getTime() - back));
    if (tick > now) {
      continue;
    }
    for (let following = next(tick); following <= now; following = next(following)) {
      tick = following;
    }
    return tick;
  }
  return null;
}
