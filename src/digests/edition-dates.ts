export type MonthNames = 'levant' | 'egypt' | 'maghreb';
export type Digits = 'latin' | 'arabic';

export interface DateStyle {
  timeZone: string;
  months: MonthNames;
  digits: Digits;
}

// Iraq, Syria, Lebanon, Jordan and Palestine write the Syriac-derived names; Egypt and the Gulf the
// Latin-derived ones; Morocco and Algeria their French-derived forms.
const MONTHS: Record<MonthNames, string[]> = {
  levant: [
    'كانون الثاني',
    'شباط',
    'آذار',
    'نيسان',
    'أيار',
    'حزيران',
    'تموز',
    'آب',
    'أيلول',
    'تشرين الأول',
    'تشرين الثاني',
    'كانون الأول',
  ],
  egypt: [
    'يناير',
    'فبراير',
    'مارس',
    'أبريل',
    'مايو',
    'يونيو',
    'يوليو',
    'أغسطس',
    'سبتمبر',
    'أكتوبر',
    'نوفمبر',
    'ديسمبر',
  ],
  maghreb: ['يناير', 'فبراير', 'مارس', 'أبريل', 'ماي', 'يونيو', 'يوليوز', 'غشت', 'شتنبر', 'أكتوبر', 'نونبر', 'دجنبر'],
};
const WEEKDAYS = ['الأحد', 'الاثنين', 'الثلاثاء', 'الأربعاء', 'الخميس', 'الجمعة', 'السبت'];

interface DayParts {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

function parts(date: Date, timeZone: string): DayParts {
  const fields = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(date);
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

/** Latin digits as most Arabic news sites write them, or Arabic-Indic ones (٠–٩). */
export function withDigits(text: string, digits: Digits): string {
  return digits === 'arabic' ? text.replace(/[0-9]/g, (d) => String.fromCharCode(0x0660 + Number(d))) : text;
}

/** `الأربعاء، 25 تشرين الثاني 2026` */
export function formatDay(date: Date, style: DateStyle): string {
  const p = parts(date, style.timeZone);
  return withDigits(`${WEEKDAYS[p.weekday]}، ${p.day} ${MONTHS[style.months][p.month - 1]} ${p.year}`, style.digits);
}

/** `18 – 24 تشرين الثاني 2026`, `28 تشرين الأول – 3 تشرين الثاني 2026`, across years both years. */
export function formatRange(from: Date, to: Date, style: DateStyle): string {
  const a = parts(from, style.timeZone);
  const b = parts(to, style.timeZone);
  const month = (m: number) => MONTHS[style.months][m - 1];
  let text: string;
  if (a.year !== b.year) {
    text = `${a.day} ${month(a.month)} ${a.year} – ${b.day} ${month(b.month)} ${b.year}`;
  } else if (a.month !== b.month) {
    text = `${a.day} ${month(a.month)} – ${b.day} ${month(b.month)} ${b.year}`;
  } else {
    text = `${a.day} – ${b.day} ${month(b.month)} ${b.year}`;
  }
  return withDigits(text, style.digits);
}

/** `14:05`, for an article's time in the digest. */
export function formatTime(date: Date, style: DateStyle): string {
  const p = parts(date, style.timeZone);
  return withDigits(`${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`, style.digits);
}
