/** agi_individuppgift / agi_arbetsgivare rows → IncomeStatement / Employer. Every income-register quirk is decoded here. */
import { Temporal } from 'temporal-polyfill';
import { isCalendarDate } from '../../src/core/calendar.js';
import { UnmappableValueError } from '../../src/core/legacy-values.js';
import { moneyFromOre, type Money } from '../../src/core/money.js';
import { isValidPersonalNumber, passesLuhn } from '../../src/core/personal-number.js';
import type { DataQualitySink, Source } from '../../src/core/source.js';
import type { AgiCurrentStatementRow } from './tables.js';
import type { Employer, IncomeStatement } from './types.js';

const TABLE = 'agi_individuppgift';

/**
 * A statement's newest version → the statement, or null when that version withdraws it (`borttag`): a
 * withdrawn statement no longer exists. A payee, period or arrival time that cannot be read drops the statement
 * (reported by the caller's mapRows); an employer that cannot be read is reported and served as null, since
 * the pay is the payee's income whoever paid it.
 */
export function mapCurrentStatement(row: AgiCurrentStatementRow, source: Source, sink: DataQualitySink): IncomeStatement | null {
  if (decodeBorttag(row.borttag)) return null;
  const rowKey = String(row.id);
  return {
    id: String(row.first_id),
    personalNumber: decodePayee(row.betalningsmottagare),
    period: decodePeriod(row.redovisningsperiod),
    employer: source.soft(TABLE, rowKey, () => employerOf(row, source, sink), sink),
    grossPay: decodeKronor(row.kontant_ersattning, `${TABLE}.kontant_ersattning`),
    taxDeducted: decodeKronor(row.skatteavdrag, `${TABLE}.skatteavdrag`),
    benefitsInKind: decodeKronor(row.formaner, `${TABLE}.formaner`),
    submittedAt: decodeTimestampTz(row.inlamnad, `${TABLE}.inlamnad`),
    versions: Number(row.versions),
  };
}

/** The employer with its registered name; a name missing from agi_arbetsgivare is reported, the rest still served. */
function employerOf(row: AgiCurrentStatementRow, source: Source, sink: DataQualitySink): Employer {
  const identity = decodeEmployer(row.arbetsgivare);
  if (row.namn === null) {
    sink.report({ source: source.name, table: 'agi_arbetsgivare', column: 'agi_arbetsgivare.arbetsgivare', problem: 'employer has no row in agi_arbetsgivare', rowKey: String(row.id) });
  }
  return { ...identity, name: row.namn };
}

/** `true`/`false` from PostgreSQL, 1/0 from SQLite. Anything else leaves it unknown whether the statement exists. */
export function decodeBorttag(value: boolean | number | string | null): boolean {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  throw new UnmappableValueError(`${TABLE}.borttag`, 'not a boolean');
}

const PERSONAL_NUMBER = /^(\d{8})-(\d{4})$/;
const ORGANISATION_NUMBER = /^(\d{6})-(\d{4})$/;

/**
 * The payee `YYYYMMDD-NNNN` → 12 digits. A payee without a Swedish number (NULL) cannot be linked to anyone:
 * such a statement is never served, only reported (the finding names the column, never the birth date).
 */
export function decodePayee(value: string | null): string {
  const column = `${TABLE}.betalningsmottagare`;
  if (value === null) throw new UnmappableValueError(column, 'payee without a Swedish personal number');
  const match = PERSONAL_NUMBER.exec(value.trim());
  if (!match) throw new UnmappableValueError(column, 'not a personal number YYYYMMDD-NNNN');
  const pnr = match[1]! + match[2]!;
  if (!isValidPersonalNumber(pnr)) throw new UnmappableValueError(column, 'invalid personal number (date or check digit)');
  return pnr;
}

/**
 * `arbetsgivare`: an organisation number `NNNNNN-NNNN` (Luhn over all 10 digits, third digit ≥ 2, which no
 * personal number's month has), or a sole trader's own personal number `YYYYMMDD-NNNN`. The latter is a
 * person's number, never an organisation number: it is kept only as the owner's `personalNumber`.
 */
export function decodeEmployer(value: string): Omit<Employer, 'name'> {
  const column = `${TABLE}.arbetsgivare`;
  const text = value.trim();
  const organisation = ORGANISATION_NUMBER.exec(text);
  if (organisation) {
    const digits = organisation[1]! + organisation[2]!;
    if (digits.charCodeAt(2) < 50 /* '2' */) throw new UnmappableValueError(column, 'organisation number with third digit below 2');
    if (!passesLuhn(digits)) throw new UnmappableValueError(column, 'organisation number fails the check digit (Luhn)');
    return { organizationNumber: text, soleTrader: false, personalNumber: null };
  }
  const owner = PERSONAL_NUMBER.exec(text);
  if (owner) {
    const pnr = owner[1]! + owner[2]!;
    if (!isValidPersonalNumber(pnr)) throw new UnmappableValueError(column, 'sole trader\'s personal number is invalid (date or check digit)');
    return { organizationNumber: null, soleTrader: true, personalNumber: pnr };
  }
  throw new UnmappableValueError(column, 'neither an organisation number NNNNNN-NNNN nor a personal number YYYYMMDD-NNNN');
}

/** `YYYYMM` → `YYYY-MM`. */
export function decodePeriod(value: string): string {
  const match = /^(\d{4})(\d{2})$/.exec(value.trim());
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 12) throw new UnmappableValueError(`${TABLE}.redovisningsperiod`, 'not a period YYYYMM');
  return `${match[1]}-${match[2]}`;
}

/** `YYYY-MM` (a YearMonth argument) → the register's `YYYYMM`. */
export function periodOf(yearMonth: string): string {
  return yearMonth.replace('-', '');
}

/**
 * NUMERIC(12,0) whole kronor (a decimal string from PostgreSQL, a number from SQLite) → Money; null = not
 * reported. Anything but a whole number, or an amount beyond Money's 32-bit öre, is unmappable.
 */
export function decodeKronor(value: number | string | null, column: string): Money | null {
  if (value === null) return null;
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : value.trim();
  if (!/^-?\d{1,12}$/.test(text)) throw new UnmappableValueError(column, 'not a whole number of kronor');
  try {
    return moneyFromOre(BigInt(text) * 100n);
  } catch {
    throw new UnmappableValueError(column, 'amount out of range');
  }
}

const STOCKHOLM = 'Europe/Stockholm';
/**
 * A TIMESTAMPTZ as text: PostgreSQL's (`2025-03-30 01:30:00+00`, the session speaks UTC; fractions of a second
 * when there are any) or as the demo's SQLite stores it (`2025-03-30T03:30:00+02:00`, `…Z`).
 */
const TIMESTAMP_TZ = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * A TIMESTAMPTZ → ISO 8601 in Stockholm time with its offset: `2025-03-30 01:30:00+00` → `2025-03-30T03:30:00+02:00`.
 * Fractions of a second are kept (without trailing zeros). Strict: a value that is not a real instant in one of
 * the forms above is unmappable.
 */
export function decodeTimestampTz(value: string, column: string): string {
  const match = TIMESTAMP_TZ.exec(String(value).trim());
  if (!match) throw new UnmappableValueError(column, 'not a timestamp with time zone');
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetMinutes = match[8] === 'Z' ? 0 : (match[9] === '-' ? -1 : 1) * (Number(match[10]) * 60 + Number(match[11] ?? 0));
  if (!isCalendarDate(year, month, day) || hour > 23 || minute > 59 || second > 59 || Number(match[11] ?? 0) > 59) {
    throw new UnmappableValueError(column, 'not a timestamp with time zone');
  }
  const fraction = (match[7] ?? '').replace(/0+$/, '');
  // Date.UTC would read years 0–99 as 1900–1999.
  const utc = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  utc.setUTCFullYear(year);
  const local = inStockholm(utc.getTime() - offsetMinutes * 60_000, fraction);
  if (!/^\d{4}-/.test(local)) throw new UnmappableValueError(column, 'not a timestamp with time zone');
  return local;
}

/**
 * Temporal takes tens of microseconds per conversion and a page of incomes holds hundreds of times, so the
 * offset is looked up once per UTC day and kept, as decodeSwedishLocalTime does for local days: on all but the
 * two days a year that change it (and days before 1900, with offsets of odd seconds) a UTC day has one offset.
 */
const dayOffsets = new Map<number, number | null>();
const MAX_CACHED_DAYS = 100_000;
const DAY_MS = 86_400_000;

function inStockholm(epochMs: number, fraction: string): string {
  const utcDay = Math.floor(epochMs / DAY_MS);
  let offset = dayOffsets.get(utcDay);
  if (offset === undefined) {
    offset = uniformOffsetOfUtcDay(utcDay);
    if (dayOffsets.size >= MAX_CACHED_DAYS) dayOffsets.clear();
    dayOffsets.set(utcDay, offset);
  }
  if (offset === null) {
    const zoned = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(STOCKHOLM);
    return withFraction(zoned.toString({ timeZoneName: 'never', fractionalSecondDigits: 0 }), fraction);
  }
  const wallClock = new Date(epochMs + offset * 60_000).toISOString().slice(0, 19);
  return withFraction(`${wallClock}${formatOffset(offset)}`, fraction);
}

/** Stockholm's offset in whole minutes if it is the same all through the UTC day, else null. */
function uniformOffsetOfUtcDay(utcDay: number): number | null {
  const start = Temporal.Instant.fromEpochMilliseconds(utcDay * DAY_MS).toZonedDateTimeISO(STOCKHOLM);
  const change = start.getTimeZoneTransition('next');
  const changesToday = change !== null && change.epochMilliseconds - start.epochMilliseconds < DAY_MS;
  const nanoseconds = start.offsetNanoseconds;
  return !changesToday && nanoseconds % 60_000_000_000 === 0 ? nanoseconds / 60_000_000_000 : null;
}

function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** `2025-03-30T03:30:00+02:00` with fraction `5` → `2025-03-30T03:30:00.5+02:00`. */
function withFraction(isoSeconds: string, fraction: string): string {
  return fraction === '' ? isoSeconds : `${isoSeconds.slice(0, 19)}.${fraction}${isoSeconds.slice(19)}`;
}
