import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from './clock';
import { Locale, localeValue } from './locale';

export type MonthNames = 'levant' | 'egypt' | 'maghreb';
export type Digits = 'latin' | 'arabic';

/** How the site writes dates: its zone (TIMEZONE), month names (MONTH_NAMES) and digits (DIGITS). */
export interface DateStyle {
  timeZone: string;
  months: MonthNames;
  digits: Digits;
}

/** The month names of a region and the weekdays (Sunday first), from the locale file's `common.calendar`. */
function names(key: string): string[] {
  const list = localeValue(`common.calendar.${key}`);
  if (!Array.isArray(list)) {
    throw new Error(`Missing locale list ar:common.calendar.${key}`);
  }
  return list;
}

interface DayParts {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function parts(date: Date, timeZone: string): DayParts {
  let format = partsFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
    });
    partsFormats.set(timeZone, format);
  }
  const fields = format.formatToParts(date);
  const get = (type: string) => fields.find((f) => f.type === type)?.value ?? '';
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
  };
}

/** Latin digits as most Arabic news sites write them, or Arabic-Indic ones (U+0660–U+0669). */
export function withDigits(text: string, digits: Digits): string {
  return digits === 'arabic' ? text.replace(/[0-9]/g, (d) => String.fromCharCode(0x0660 + Number(d))) : text;
}

/** The weekdays' names, Sunday first (Monday spelt one way everywhere). */
export function weekdayNames(): string[] {
  return names('weekdays');
}

const comma = () => String(localeValue('common.calendar.comma'));
const month = (style: DateStyle, m: number) => names(`months.${style.months}`)[m - 1];
const clock = (p: DayParts) => `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;

/** Weekday, day, month and year: `<Wednesday>, 25 <November> 2026` (Arabic comma). */
export function formatDay(date: Date, style: DateStyle): string {
  const p = parts(date, style.timeZone);
  return withDigits(
    `${names('weekdays')[p.weekday]}${comma()}${p.day} ${month(style, p.month)} ${p.year}`,
    style.digits,
  );
}

/** Day, month and year: `25 <November> 2026`. */
export function formatDate(date: Date, style: DateStyle): string {
  const p = parts(date, style.timeZone);
  return withDigits(`${p.day} ${month(style, p.month)} ${p.year}`, style.digits);
}

/** `25 <November> 2026, 14:05` (Arabic comma): a moment in the newsroom (24-hour clock, like the digest's times). */
export function formatDateTime(date: Date, style: DateStyle): string {
  const p = parts(date, style.timeZone);
  return withDigits(`${p.day} ${month(style, p.month)} ${p.year}${comma()}${clock(p)}`, style.digits);
}

/** `<Wednesday> 25 <November>, 14:05`: an article's day and time in a weekly digest (the year is the edition's). */
export function formatWeekdayTime(date: Date, style: DateStyle): string {
  const p = parts(date, style.timeZone);
  return withDigits(
    `${names('weekdays')[p.weekday]} ${p.day} ${month(style, p.month)}${comma()}${clock(p)}`,
    style.digits,
  );
}

/** A week's range, `18 – 24 <November> 2026`; across months both months, across years both years. */
export function formatRange(from: Date, to: Date, style: DateStyle): string {
  const a = parts(from, style.timeZone);
  const b = parts(to, style.timeZone);
  let text: string;
  if (a.year !== b.year) {
    text = `${a.day} ${month(style, a.month)} ${a.year} – ${b.day} ${month(style, b.month)} ${b.year}`;
  } else if (a.month !== b.month) {
    text = `${a.day} ${month(style, a.month)} – ${b.day} ${month(style, b.month)} ${b.year}`;
  } else {
    text = `${a.day} – ${b.day} ${month(style, b.month)} ${b.year}`;
  }
  return withDigits(text, style.digits);
}

/** `14:05`, for an article's time in the digest. */
export function formatTime(date: Date, style: DateStyle): string {
  return withDigits(clock(parts(date, style.timeZone)), style.digits);
}

/** `1,234` (or in Arabic-Indic digits): grouped like the plural messages' `#`. */
export function formatNumber(value: number, digits: Digits): string {
  return new Intl.NumberFormat(digits === 'arabic' ? 'ar-u-nu-arab' : 'en-US').format(value);
}

/** A date-like value from an entity, a query row (string) or a template; null when there is none or it is bad. */
export function asDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') {
    return null;
  }
  const date = value instanceof Date ? value : new Date(value as string | number);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * The one formatter of dates, times, relative times and counts for every screen and email, following TIMEZONE,
 * MONTH_NAMES and DIGITS. Counts are ICU plural messages in the locale file (`{{t key count=n}}` in a template).
 */
@Injectable()
export class Formatter {
  readonly style: DateStyle;

  constructor(
    config: AppConfig,
    private readonly locale: Locale,
    private readonly clock: Clock,
  ) {
    this.style = dateStyleOf(config.publication);
  }

  /** Day, month, year and time (formatDateTime), or '' for no date. */
  dateTime(value: unknown): string {
    const date = asDate(value);
    return date ? formatDateTime(date, this.style) : '';
  }

  /** Day, month and year (formatDate), or ''. */
  date(value: unknown): string {
    const date = asDate(value);
    return date ? formatDate(date, this.style) : '';
  }

  /** Weekday, day, month and year (formatDay), or ''. */
  day(value: unknown): string {
    const date = asDate(value);
    return date ? formatDay(date, this.style) : '';
  }

  number(value: number): string {
    return formatNumber(value, this.style.digits);
  }

  /**
   * Now, five minutes ago, two hours ago, in three days (the locale's `common.relative` and `common.duration`); a week or more away, the date and time instead. The plural
   * forms are the locale file's `common.relative.*` messages.
   */
  relative(value: unknown, now: Date = this.clock.now()): string {
    const date = asDate(value);
    if (!date) {
      return '';
    }
    const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
    const away = Math.abs(seconds);
    if (away < 60) {
      return this.locale.t('common.relative.now');
    }
    const direction = seconds < 0 ? 'past' : 'future';
    const units: [string, number][] = [
      ['days', 86_400],
      ['hours', 3_600],
      ['minutes', 60],
    ];
    if (away >= 7 * 86_400) {
      return this.dateTime(date);
    }
    const [unit, size] = units.find(([, s]) => away >= s)!;
    return this.locale.t(`common.relative.${direction}`, {
      when: this.locale.t(`common.duration.${unit}`, { count: Math.floor(away / size) }),
    });
  }

  /** A count in words through its ICU plural message: `count('newsroom.count.readers', 17)` → `17` and the plural noun. */
  count(key: string, count: number, vars: Record<string, unknown> = {}): string {
    return this.locale.t(key, { ...vars, count });
  }
}

/** The site's date style from its settings (TIMEZONE, MONTH_NAMES, DIGITS). */
export function dateStyleOf(publication: { timeZone: string; monthNames: MonthNames; digits: Digits }): DateStyle {
  return { timeZone: publication.timeZone, months: publication.monthNames, digits: publication.digits };
}

/** formatDateTime of a date or a query row's string; null when there is none. */
export function formatMoment(value: unknown, style: DateStyle): string | null {
  const date = asDate(value);
  return date ? formatDateTime(date, style) : null;
}
