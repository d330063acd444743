/**
 * How the console shows times and personal numbers: Swedish local time (Europe/Stockholm) with its offset, so
 * an auditor in another time zone reads the same wall-clock time as the agency's staff; and personal numbers as
 * `YYYYMMDD-NNNN`.
 */

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

/**
 * A Stockholm wall-clock time from a datetime-local input (`2026-11-30T13:05` or with seconds) → an ISO instant.
 * `end` makes the bound inclusive of the whole minute (or second) typed. A time the spring change skips is read
 * one hour later, a repeated autumn hour as its first occurrence.
 */
export function stockholmInputToInstant(value: string, end: boolean): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((v) => Number(v ?? 0)) as number[];
  const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  // The offset at the instant the wall time names; two passes settle it across a change of offset.
  let ms = wall - offsetMinutes(wall) * 60_000;
  ms = wall - offsetMinutes(ms) * 60_000;
  if (end) ms += match[6] === undefined ? 59_999 : 999;
  return new Date(ms).toISOString();
}

/** An ISO instant → the value a datetime-local input shows for it in Stockholm time (with seconds). */
export function instantToStockholmInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const f = fieldsAt(ms);
  return `${f.year}-${f.month}-${f.day}T${f.hour}:${f.minute}:${f.second}`;
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

const ORGANISATIONS: Readonly<Record<string, string>> = {
  SKV: 'Skatteverket',
  FK: 'Försäkringskassan',
  AF: 'Arbetsförmedlingen',
  IMY: 'Integritetsskyddsmyndigheten',
  '0180': 'Stockholms stad',
  '1480': 'Göteborgs stad',
  '1280': 'Malmö stad',
  '0380': 'Uppsala kommun',
};

/** `FK` → `Försäkringskassan (FK)`; an unknown code as it is. */
export function formatOrganisation(code: string | null | undefined): string {
  if (!code) return '';
  const name = ORGANISATIONS[code];
  return name ? `${name} (${code})` : code;
}

const CATEGORIES: Readonly<Record<string, string>> = {
  IDENTITY: 'Identity', ADDRESS: 'Address', RELATIONS: 'Family relations', BENEFITS: 'Benefits', CASES: 'Employment cases', INCOME: 'Income', ACCESS_LOG: 'Access log',
};

export function formatCategory(category: string): string {
  return CATEGORIES[category] ?? category;
}

const PURPOSES: Readonly<Record<string, string>> = {
  'benefit-assessment': 'Assessing a benefit',
  'employment-support': 'Employment support',
  'social-services': 'Social services',
  'self-service': 'Your own use',
  audit: 'Audit',
};

export function formatPurpose(purpose: string | null | undefined): string {
  if (!purpose) return '';
  return PURPOSES[purpose] ?? purpose;
}
