/**
 * Calendar arithmetic on day numbers (days since 1970-01-01) for the data generator. Pure integer
 * arithmetic — no Date, no local time zone — so the generated data cannot depend on the machine it runs on.
 * The algorithms are Howard Hinnant's `days_from_civil` / `civil_from_days`.
 */

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Day number of a calendar date; a day past the month's end rolls over (Feb 29 in a common year → Mar 1). */
export function dayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

export function civilDate(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function yearOf(days: number): number {
  return civilDate(days).year;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekday(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** The same calendar date `years` later (Feb 29 → Mar 1 in a common year). */
export function addYears(days: number, years: number): number {
  const { year, month, day } = civilDate(days);
  return dayNumber(year + years, month, day);
}

/** Completed years between a birth date and a day. */
export function ageOn(birth: number, on: number): number {
  const b = civilDate(birth);
  const d = civilDate(on);
  const beforeBirthday = d.month < b.month || (d.month === b.month && d.day < b.day);
  return d.year - b.year - (beforeBirthday ? 1 : 0);
}

function lastSundayOf(year: number, month: number): number {
  const lastDay = dayNumber(year, month + 1, 1) - 1;
  return lastDay - weekday(lastDay);
}

/** The day summer time begins in Sweden (EU rule: last Sunday of March, 02:00 → 03:00 local). */
export function springForwardDay(year: number): number {
  return lastSundayOf(year, 3);
}

/** The day summer time ends in Sweden (EU rule: last Sunday of October, 03:00 → 02:00 local). */
export function fallBackDay(year: number): number {
  return lastSundayOf(year, 10);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `YYYYMMDD`, the agencies' compact date form. */
export function compactDate(days: number): string {
  const { year, month, day } = civilDate(days);
  return pad(year, 4) + pad(month, 2) + pad(day, 2);
}

/** `YYYY-MM-DD`, as a DATE column holds it. */
export function isoDate(days: number): string {
  const { year, month, day } = civilDate(days);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** `YYYY-MM-DD HH:MM:SS` wall-clock time (no zone), as a DATETIME/TIMESTAMP column holds it. */
export function localDateTime(days: number, secondOfDay: number): string {
  const hours = Math.floor(secondOfDay / 3600);
  const minutes = Math.floor((secondOfDay % 3600) / 60);
  const seconds = secondOfDay % 60;
  return `${isoDate(days)} ${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}`;
}

/**
 * An instant (seconds since 1970-01-01T00:00Z) as Swedish local time with its offset,
 * `YYYY-MM-DDTHH:MM:SS+01:00` or `+02:00`, as a TIMESTAMPTZ column takes it: summer time runs from 01:00 UTC on
 * the last Sunday of March to 01:00 UTC on the last Sunday of October (EU rule). Text with an explicit offset
 * is the same instant in every database, whatever the session's time zone.
 */
export function stockholmTimestamp(utcSeconds: number): string {
  const year = yearOf(Math.floor(utcSeconds / 86400));
  const summer = utcSeconds >= springForwardDay(year) * 86400 + 3600 && utcSeconds < fallBackDay(year) * 86400 + 3600;
  const local = utcSeconds + (summer ? 7200 : 3600);
  const day = Math.floor(local / 86400);
  return `${localDateTime(day, local - day * 86400).replace(' ', 'T')}${summer ? '+02:00' : '+01:00'}`;
}
