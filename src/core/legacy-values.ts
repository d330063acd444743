/**
 * Decoders for the value conventions the agencies' systems share: `YYYYMMDD` strings with sentinels,
 * Swedish local times without offset, öre, and personal numbers stored in 10-digit or integer form.
 * Each throws UnmappableValueError, naming the column but never the value, when a value breaks its rule.
 */
import { Temporal } from 'temporal-polyfill';
import { isCalendarDate } from './calendar.js';
import { moneyFromOre, type Money } from './money.js';
import { expandTenDigits, isValidPersonalNumber, type Separator } from './personal-number.js';

export class UnmappableValueError extends Error {
  readonly code = 'UNMAPPABLE_VALUE';
  constructor(readonly column: string, readonly problem: string) {
    super(`${column}: ${problem}`);
    this.name = 'UnmappableValueError';
  }
}

const YYYYMMDD = /^(\d{4})(\d{2})(\d{2})$/;

/** `YYYYMMDD` → `YYYY-MM-DD`; the given sentinels (e.g. `00000000` unknown, `99991231` open-ended) → null. */
export function decodeCompactDate(value: string | null, column: string, sentinels: readonly string[] = []): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (sentinels.includes(trimmed)) return null;
  const match = YYYYMMDD.exec(trimmed);
  if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw new UnmappableValueError(column, 'not a YYYYMMDD date');
  }
  return `${match[1]}-${match[2]}-${match[3]}`;
}

/** A DATE column as the drivers return it (`YYYY-MM-DD`, possibly with a time part on SQLite). */
export function decodeDate(value: string | null, column: string): string | null {
  if (value === null) return null;
  const date = String(value).slice(0, 10);
  const [y, m, d] = date.split('-').map(Number);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !isCalendarDate(y!, m!, d!)) throw new UnmappableValueError(column, 'not a date');
  return date;
}

const STOCKHOLM = 'Europe/Stockholm';
/** A DATETIME as the drivers return it: no offset, no zone (Temporal would otherwise drop one silently). */
const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?$/;

/**
 * A Swedish wall-clock time (`YYYY-MM-DD HH:MM:SS`, Europe/Stockholm, no offset) → ISO 8601 with offset.
 * In the repeated autumn hour the first (+02:00) occurrence is meant; a time in the skipped spring hour is
 * moved forward by the gap. That is Temporal's `compatible` disambiguation, which the agencies use.
 */
export function decodeSwedishLocalTime(value: string | null, column: string): string | null {
  if (value === null) return null;
  const text = String(value).trim();
  const match = LOCAL_DATE_TIME.exec(text);
  if (!match) throw new UnmappableValueError(column, 'not a local date-time');
  const offset = Number(match[2]) <= 23 && Number(match[3]) <= 59 && Number(match[4]) <= 59 ? offsetOfLocalDay(match[1]!) : null;
  if (offset !== null) return `${match[1]}T${match[2]}:${match[3]}:${match[4]}${offset}`;
  let local: Temporal.PlainDateTime;
  try {
    local = Temporal.PlainDateTime.from(text.replace(' ', 'T'), { overflow: 'reject' });
  } catch {
    throw new UnmappableValueError(column, 'not a local date-time');
  }
  return local
    .toZonedDateTime(STOCKHOLM, { disambiguation: 'compatible' })
    .toString({ timeZoneName: 'never', fractionalSecondDigits: 0 });
}

/**
 * Temporal takes tens of microseconds per conversion, and a page of cases holds hundreds of times. On all
 * but a few days a year Stockholm's offset is one value from midnight to midnight: so it is looked up once
 * per date and kept. Days with a change, an offset of odd seconds (before 1900) or an invalid date get null
 * and take Temporal's path every time. The cache is dropped when it gets large.
 */
const dayOffsets = new Map<string, string | null>();
const MAX_CACHED_DAYS = 100_000;

function offsetOfLocalDay(date: string): string | null {
  let offset = dayOffsets.get(date);
  if (offset === undefined) {
    offset = uniformOffsetOfDay(date);
    if (dayOffsets.size >= MAX_CACHED_DAYS) dayOffsets.clear();
    dayOffsets.set(date, offset);
  }
  return offset;
}

function uniformOffsetOfDay(date: string): string | null {
  try {
    const midnight = Temporal.PlainDateTime.from(`${date}T00:00:00`, { overflow: 'reject' })
      .toZonedDateTime(STOCKHOLM, { disambiguation: 'reject' });
    const change = midnight.getTimeZoneTransition('next');
    // No local day is longer than 25 hours: with no change that soon, the whole day has midnight's offset.
    const changesToday = change !== null && change.epochMilliseconds - midnight.epochMilliseconds <= 25 * 3600_000;
    return !changesToday && /^[+-]\d{2}:\d{2}$/.test(midnight.offset) ? midnight.offset : null;
  } catch {
    return null;
  }
}

/** Whole öre, as BIGINT arrives from either driver (number or decimal string) → Money. */
export function decodeOre(value: number | string | bigint | null, column: string): Money | null {
  if (value === null) return null;
  const text = String(value);
  if (!/^-?\d+$/.test(text)) throw new UnmappableValueError(column, 'not a whole number of öre');
  try {
    return moneyFromOre(BigInt(text));
  } catch {
    throw new UnmappableValueError(column, 'amount out of range');
  }
}

const TEN_DIGIT = /^(\d{6})([-+])(\d{4})$/;

/**
 * Social insurance's `YYMMDD-NNNC` / `YYMMDD+NNNC` → 12 digits. The century comes from the separator read
 * at the year the row was written (its change timestamp), not today.
 */
export function decodeTenDigitPersonalNumber(value: string, writtenAt: string, column: string): string {
  const match = TEN_DIGIT.exec(value.trim());
  if (!match) throw new UnmappableValueError(column, 'not a 10-digit personal number with separator');
  const writtenYear = Number(String(writtenAt).slice(0, 4));
  if (!Number.isInteger(writtenYear) || writtenYear < 1000) throw new UnmappableValueError(column, 'row has no valid change timestamp');
  const pnr = expandTenDigits(match[1]! + match[3]!, match[2] as Separator, writtenYear);
  if (!isValidPersonalNumber(pnr)) throw new UnmappableValueError(column, 'invalid personal number (date or check digit)');
  return pnr;
}

/** Employment service's personal number stored as an integer → 12 digits. */
export function decodeIntegerPersonalNumber(value: number | string | bigint, column: string): string {
  // No padding: every 12-digit number (birth year ≥ 1000) has 12 digits as an integer; a shorter value is a
  // 10-digit form or garbage, and padding it would invent a birth year 00YY.
  const pnr = String(value);
  if (!isValidPersonalNumber(pnr)) throw new UnmappableValueError(column, 'invalid personal number (date or check digit)');
  return pnr;
}

/** Maps a legacy code to its enum value, or throws naming the column. */
export function decodeCode<T extends string>(codes: Readonly<Record<string, T>>, value: string | null, column: string): T {
  const key = value === null ? undefined : value.trim();
  // Own keys only: 'toString', 'constructor' or '__proto__' must not decode to Object.prototype's members.
  const decoded = key !== undefined && Object.hasOwn(codes, key) ? codes[key] : undefined;
  if (decoded === undefined) throw new UnmappableValueError(column, 'unknown code');
  return decoded;
}
