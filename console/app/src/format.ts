/**
 * How the console shows and reads times, and names codes. Times are Swedish local time (Europe/Stockholm) in the
 * Swedish order, `2026-12-03 14:05`, in both languages: unambiguous, and the wall-clock time the agency's staff
 * read; auditors also get seconds and the offset. Personal numbers are shown as `YYYYMMDD-NNNN`; organisations,
 * purposes, categories and outcomes in words of the current language, or as their code when the console has none.
 */

import { codeName, language, t } from './i18n/index.js';

const ZONE = 'Europe/Stockholm';

const parts = new Intl.DateTimeFormat('sv-SE', {
  timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  hourCycle: 'h23', timeZoneName: 'longOffset',
});

function fieldsAt(ms: number): Record<string, string> {
  return Object.fromEntries(parts.formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
}

/** `GMT+01:00` (or `GMT` for zero; some locales use a Unicode minus) → `+01:00`. */
function offsetText(zoneName: string | undefined): string {
  const match = /([+\u2212-])(\d{2}):?(\d{2})/.exec(zoneName ?? '');
  return match ? `${match[1] === '+' ? '+' : '-'}${match[2]}:${match[3]}` : '+00:00';
}

function offsetMinutes(ms: number): number {
  const text = offsetText(fieldsAt(ms).timeZoneName);
  const minutes = Number(text.slice(1, 3)) * 60 + Number(text.slice(4, 6));
  return text.startsWith('-') ? -minutes : minutes;
}

/** An instant as `2026-11-30 13:05:12 +01:00` in Stockholm time; the input unchanged if it is not a date-time. */
export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const f = fieldsAt(ms);
  return `${f.year}-${f.month}-${f.day} ${f.hour}:${f.minute}:${f.second} ${offsetText(f.timeZoneName)}`;
}

/** A minute for people rather than auditors: `2026-12-03 14:05`, Stockholm time; the input unchanged if it is not a date-time. */
export function formatMinute(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const f = fieldsAt(ms);
  return `${f.year}-${f.month}-${f.day} ${f.hour}:${f.minute}`;
}

/** The Stockholm calendar day of an instant, `2026-12-03`; '' if it is not one. */
export function stockholmDay(iso: string | null | undefined): string {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) return '';
  const f = fieldsAt(ms);
  return `${f.year}-${f.month}-${f.day}`;
}

/** `2026-12-03` plus `days` (negative: earlier), by the calendar: a day is a day, whatever its hours. */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** The ISO 8601 week of a day (weeks start on Monday; week 1 holds the year's first Thursday), as the year it belongs to and its number. */
export function isoWeek(date: string): { year: number; week: number } {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const utc = new Date(Date.UTC(year, month - 1, day));
  // The Thursday of the same week decides the year.
  const thursday = new Date(utc.getTime() + (3 - ((utc.getUTCDay() + 6) % 7)) * 86_400_000);
  const first = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return { year: thursday.getUTCFullYear(), week: Math.floor((thursday.getTime() - first) / 86_400_000 / 7) + 1 };
}

/** Is this year, month and day a day of the calendar (no 30 February)? */
function isCalendarDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A date typed as `ÅÅÅÅ-MM-DD` (the Swedish way, whatever the browser's locale) → that date, or null when it is
 * not one. The console's date fields are text fields because a native date input shows the browser's own order.
 */
export function parseDateInput(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!match) return null;
  return isCalendarDay(Number(match[1]), Number(match[2]), Number(match[3])) ? match.slice(1, 4).join('-') : null;
}

/** The instant a Stockholm wall-clock time names. A time the spring change skips is read one hour later, a repeated autumn hour as its first occurrence. */
function stockholmWallToMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // The offset at the instant the wall time names; two passes settle it across a change of offset.
  const ms = wall - offsetMinutes(wall) * 60_000;
  return wall - offsetMinutes(ms) * 60_000;
}

/**
 * A Stockholm date, or date and time, as typed: `2026-11-30`, `2026-11-30 13:05` or `2026-11-30 13:05:12` → an
 * ISO instant; null when it is none of these or no such day or time. `end` makes the bound inclusive of the
 * whole day, minute or second typed.
 */
export function stockholmInputToInstant(value: string, end: boolean): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:(?:\s+|T)(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  if (!isCalendarDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  if (match[4] === undefined) {
    if (!end) return new Date(stockholmWallToMs(year, month, day, 0, 0, 0)).toISOString();
    // The last millisecond before the next day starts: a day of 23 or 25 hours is still a whole day.
    const next = new Date(Date.UTC(year, month - 1, day + 1));
    return new Date(stockholmWallToMs(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, 0, 0) - 1).toISOString();
  }
  let ms = stockholmWallToMs(year, month, day, hour, minute, second);
  if (end) ms += match[6] === undefined ? 59_999 : 999;
  return new Date(ms).toISOString();
}

/** An ISO instant → how the date-and-time fields show it in Stockholm time (with seconds): `2026-11-30 13:05:12`. */
export function instantToStockholmInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const f = fieldsAt(ms);
  return `${f.year}-${f.month}-${f.day} ${f.hour}:${f.minute}:${f.second}`;
}

/** `198501012382` → `19850101-2382`; anything that is not 12 digits is shown as it is. */
export function formatPersonalNumber(value: string | null | undefined): string {
  if (!value) return '';
  return /^\d{12}$/.test(value) ? `${value.slice(0, 8)}-${value.slice(8)}` : value;
}

/** A principal's subject: a citizen's is their personal number; staff and key ids are shown as they are. */
export function formatSubject(type: string | null | undefined, subject: string | null | undefined): string {
  return type === 'CITIZEN' ? formatPersonalNumber(subject) : subject ?? '';
}

/**
 * Municipalities by code, with their own Swedish names (some are a "stad", Gotland is a region) and their names in
 * English. The codes are those of the generated data and the larger towns; any other is "Kommun 1234".
 */
const MUNICIPALITIES: Readonly<Record<string, { sv: string; en: string }>> = {
  '0114': { sv: 'Upplands Väsby kommun', en: 'Upplands Väsby Municipality' },
  '0180': { sv: 'Stockholms stad', en: 'City of Stockholm' },
  '0380': { sv: 'Uppsala kommun', en: 'Uppsala Municipality' },
  '0484': { sv: 'Eskilstuna kommun', en: 'Eskilstuna Municipality' },
  '0580': { sv: 'Linköpings kommun', en: 'Linköping Municipality' },
  '0581': { sv: 'Norrköpings kommun', en: 'Norrköping Municipality' },
  '0680': { sv: 'Jönköpings kommun', en: 'Jönköping Municipality' },
  '0780': { sv: 'Växjö kommun', en: 'Växjö Municipality' },
  '0880': { sv: 'Kalmar kommun', en: 'Kalmar Municipality' },
  '0980': { sv: 'Region Gotland', en: 'Region Gotland' },
  '1080': { sv: 'Karlskrona kommun', en: 'Karlskrona Municipality' },
  '1280': { sv: 'Malmö stad', en: 'City of Malmö' },
  '1281': { sv: 'Lunds kommun', en: 'Lund Municipality' },
  '1283': { sv: 'Helsingborgs stad', en: 'City of Helsingborg' },
  '1290': { sv: 'Kristianstads kommun', en: 'Kristianstad Municipality' },
  '1380': { sv: 'Halmstads kommun', en: 'Halmstad Municipality' },
  '1480': { sv: 'Göteborgs stad', en: 'City of Gothenburg' },
  '1490': { sv: 'Borås stad', en: 'City of Borås' },
  '1780': { sv: 'Karlstads kommun', en: 'Karlstad Municipality' },
  '1880': { sv: 'Örebro kommun', en: 'Örebro Municipality' },
  '1980': { sv: 'Västerås stad', en: 'City of Västerås' },
  '2080': { sv: 'Falu kommun', en: 'Falun Municipality' },
  '2180': { sv: 'Gävle kommun', en: 'Gävle Municipality' },
  '2281': { sv: 'Sundsvalls kommun', en: 'Sundsvall Municipality' },
  '2380': { sv: 'Östersunds kommun', en: 'Östersund Municipality' },
  '2480': { sv: 'Umeå kommun', en: 'Umeå Municipality' },
  '2580': { sv: 'Luleå kommun', en: 'Luleå Municipality' },
  '2584': { sv: 'Kiruna kommun', en: 'Kiruna Municipality' },
};

/** The name of an organisation code in the current language: an agency, a municipality (4 digits), or null. */
function organisationName(code: string): string | null {
  const agency = codeName('organisation', code);
  if (agency !== code) return agency;
  if (!/^\d{4}$/.test(code)) return null;
  return MUNICIPALITIES[code]?.[language()] ?? t('organisation.municipality', { code });
}

/** `FK` → `Försäkringskassan (FK)` (in English `Swedish Social Insurance Agency (FK)`); an unknown code as it is. */
export function formatOrganisation(code: string | null | undefined): string {
  if (!code) return '';
  const name = organisationName(code);
  if (!name) return code;
  return name.endsWith(code) ? name : `${name} (${code})`;
}

export const formatCategory = (category: string): string => codeName('category', category);

export function formatPurpose(purpose: string | null | undefined): string {
  return purpose ? codeName('purpose', purpose) : '';
}

export function formatOutcome(outcome: string | null | undefined): string {
  return outcome ? codeName('outcome', outcome) : '';
}

export const formatFindingKind = (kind: string | null | undefined): string => (kind ? codeName('findingKind', kind) : '');

export const formatVerdict = (verdict: string | null | undefined): string => (verdict ? codeName('verdict', verdict) : '');

/** A finding's score (0–1) with two decimals, in the language's own decimal sign. */
export function formatScore(score: number | null | undefined): string {
  return typeof score === 'number' ? new Intl.NumberFormat(language() === 'sv' ? 'sv-SE' : 'en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(score) : '';
}

/** A count as people read it in the language of the moment (`1 234` or `1,234`). */
export function formatCount(count: number): string {
  return new Intl.NumberFormat(language() === 'sv' ? 'sv-SE' : 'en-GB').format(count);
}

export function formatPrincipalType(type: string | null | undefined): string {
  return type ? codeName('principal', type) : '';
}
