/**
 * Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer).
 *
 * The canonical form everywhere inside samgraf is 12 digits, `YYYYMMDDNNNC`. The 10-digit forms
 * (`YYMMDD-NNNC`, `YYMMDD+NNNC`) drop the century; the separator says whether the person had turned 100
 * in the reference year, so expanding one needs that year. A coordination number keeps day + 60 in every
 * form, and may leave month (00) or day (60) unknown.
 */
import { daysInMonth } from './calendar.js';

export type IdentityType = 'PERSONAL_IDENTITY_NUMBER' | 'COORDINATION_NUMBER';
export type Sex = 'FEMALE' | 'MALE';
export type Separator = '-' | '+';

export type PersonalNumberProblem = 'FORMAT' | 'DATE' | 'BIRTH_NUMBER' | 'CHECK_DIGIT';

const PROBLEM_MESSAGES: Record<PersonalNumberProblem, string> = {
  FORMAT: 'is malformed: expected 10 or 12 digits, optionally with - or + before the last four',
  DATE: 'does not contain a valid date of birth',
  BIRTH_NUMBER: 'has birth number 000, which is never issued',
  CHECK_DIGIT: 'fails the check digit (Luhn)',
};

/** Never carries the rejected value: error messages must not hold personal data. */
export class InvalidPersonalNumberError extends Error {
  readonly code = 'INVALID_PERSONAL_NUMBER';
  /** The rule that failed, as a predicate: "fails the check digit (Luhn)". */
  readonly reason: string;
  constructor(readonly problem: PersonalNumberProblem) {
    super(`personal number ${PROBLEM_MESSAGES[problem]}`);
    this.reason = PROBLEM_MESSAGES[problem];
    this.name = 'InvalidPersonalNumberError';
  }
}

const INPUT = /^(\d{2})?(\d{6})([-+])?(\d{4})$/;

/**
 * Parses what a person or client types: 10 or 12 digits, with or without `-`/`+`.
 * A 10-digit form without separator is read as `-`. `referenceYear` is the year against which the
 * 10-digit form's century is resolved (for user input: this year).
 */
export function parsePersonalNumber(input: string, referenceYear: number = new Date().getFullYear()): string {
  const match = INPUT.exec(input.trim());
  if (!match) throw new InvalidPersonalNumberError('FORMAT');
  const [, century, yymmdd, separator, tail] = match as unknown as [string, string | undefined, string, Separator | undefined, string];
  const pnr = century !== undefined
    ? century + yymmdd + tail
    : expandTenDigits(yymmdd + tail, separator ?? '-', referenceYear);
  assertValid(pnr);
  return pnr;
}

/**
 * Expands `YYMMDDNNNC` to 12 digits. With W the reference year the birth year B ends in YY and
 * W − 99 ≤ B ≤ W for `-`, and is the largest such B ≤ W − 100 for `+`.
 */
export function expandTenDigits(tenDigits: string, separator: Separator, referenceYear: number): string {
  const yy = Number(tenDigits.slice(0, 2));
  const upper = separator === '+' ? referenceYear - 100 : referenceYear;
  const birthYear = upper - ((((upper - yy) % 100) + 100) % 100);
  return String(birthYear).padStart(4, '0') + tenDigits.slice(2);
}

/** `YYMMDD-NNNC`, or `YYMMDD+NNNC` from the calendar year in which the person turns 100. */
export function toTenDigitForm(pnr: string, referenceYear: number): string {
  const separator: Separator = referenceYear - Number(pnr.slice(0, 4)) >= 100 ? '+' : '-';
  return `${pnr.slice(2, 8)}${separator}${pnr.slice(8)}`;
}

/** Luhn over the 10 digits `YYMMDDNNNC` (the century does not take part). */
export function hasValidCheckDigit(pnr: string): boolean {
  return passesLuhn(pnr.slice(-10));
}

/**
 * The Luhn check (mod 10, weights 2 1 2 1 …) over exactly 10 digits, the last being the check digit: what
 * personal numbers and organisation numbers (`NNNNNNNNNN`) share.
 */
export function passesLuhn(tenDigits: string): boolean {
  if (!/^\d{10}$/.test(tenDigits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = (tenDigits.charCodeAt(i) - 48) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return (10 - (sum % 10)) % 10 === tenDigits.charCodeAt(9) - 48;
}

export function identityTypeOf(pnr: string): IdentityType {
  return Number(pnr.slice(6, 8)) >= 60 ? 'COORDINATION_NUMBER' : 'PERSONAL_IDENTITY_NUMBER';
}

/** The third digit of the birth number is odd for men, even for women. */
export function sexOf(pnr: string): Sex {
  return (pnr.charCodeAt(10) - 48) % 2 === 1 ? 'MALE' : 'FEMALE';
}

/**
 * `YYYY-MM-DD`, or null where a coordination number leaves the month or the day unknown (00, day 60), or
 * gives a day its month does not have (Skatteverket's own coordination numbers include e.g. 31 April).
 */
export function birthDateOf(pnr: string): string | null {
  const year = Number(pnr.slice(0, 4));
  const month = Number(pnr.slice(4, 6));
  const day = Number(pnr.slice(6, 8)) - (identityTypeOf(pnr) === 'COORDINATION_NUMBER' ? 60 : 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return `${pnr.slice(0, 4)}-${pnr.slice(4, 6)}-${String(day).padStart(2, '0')}`;
}

/** True for a syntactically complete, dated, Luhn-valid 12-digit number. */
export function isValidPersonalNumber(pnr: string): boolean {
  return problemWith(pnr) === null;
}

export function assertValid(pnr: string): void {
  const problem = problemWith(pnr);
  if (problem) throw new InvalidPersonalNumberError(problem);
}

function problemWith(pnr: string): PersonalNumberProblem | null {
  if (!/^\d{12}$/.test(pnr)) return 'FORMAT';
  if (!hasValidDate(pnr)) return 'DATE';
  if (pnr.slice(8, 11) === '000') return 'BIRTH_NUMBER';
  if (!hasValidCheckDigit(pnr)) return 'CHECK_DIGIT';
  return null;
}

/**
 * A personal identity number holds a calendar date. A coordination number holds month 00–12 and day + 60
 * with day 00–31: month 00 and day 00 (60) mean unknown, and Skatteverket's official test coordination
 * numbers include days past the end of their month (31 April, 30 February, 29 February in common years),
 * so those are accepted too and birthDateOf gives null for them.
 */
function hasValidDate(pnr: string): boolean {
  const year = Number(pnr.slice(0, 4));
  const month = Number(pnr.slice(4, 6));
  const rawDay = Number(pnr.slice(6, 8));
  if (month > 12) return false;
  if (rawDay >= 60) return rawDay <= 91;
  return month >= 1 && rawDay >= 1 && rawDay <= daysInMonth(year, month);
}
