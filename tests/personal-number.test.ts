/**
 * Personal identity numbers and coordination numbers: parsing user input, the century rule of the 10-digit
 * forms, Luhn, type, sex and birth date — checked against Skatteverket's official test numbers and the
 * personnummer project's vectors (../shared/data, see PROVENANCE.md).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  birthDateOf,
  expandTenDigits,
  hasValidCheckDigit,
  identityTypeOf,
  InvalidPersonalNumberError,
  isValidPersonalNumber,
  parsePersonalNumber,
  sexOf,
  toTenDigitForm,
  type IdentityType,
  type PersonalNumberProblem,
  type Separator,
  type Sex,
} from '../src/core/personal-number.js';
import { readSharedJson, sharedDataFile } from './helpers/shared-data.js';

const PERSONAL_NUMBERS = 'se-test-personal-numbers.json';
const COORDINATION_NUMBERS = 'se-test-coordination-numbers.json';
const VECTORS = 'personnummer-vectors.json';

/** The error `fn` throws, which must be an InvalidPersonalNumberError. */
function rejection(fn: () => unknown): InvalidPersonalNumberError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InvalidPersonalNumberError, `expected InvalidPersonalNumberError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the input to be rejected');
}

/** A message may state the rule, never the value: no run of 4+ digits, and not the input itself. */
function assertMessageHidesInput(message: string, input: string): void {
  assert.doesNotMatch(message, /\d{4,}/, 'the message contains digits of the number');
  if (input.trim() !== '') assert.ok(!message.includes(input.trim()), 'the message contains the input');
}

// ---------------------------------------------------------------------------------------------------------------
// The independent expectations the bulk checks compare against.

/** What the number's digits say, computed without the module: day ≥ 60 is a coordination number. */
function expectedTypeOf(pnr: string): IdentityType {
  return Number(pnr.slice(6, 8)) >= 60 ? 'COORDINATION_NUMBER' : 'PERSONAL_IDENTITY_NUMBER';
}

/** The third digit of the birth number (index 10 of 12) is odd for men. */
function expectedSexOf(pnr: string): Sex {
  return Number(pnr[10]) % 2 === 1 ? 'MALE' : 'FEMALE';
}

/** The birth date, or null when month or day is 00 or the day is past the end of the month. */
function expectedBirthDateOf(pnr: string): string | null {
  const rawDay = Number(pnr.slice(6, 8));
  const day = String(rawDay >= 60 ? rawDay - 60 : rawDay).padStart(2, '0');
  const iso = `${pnr.slice(0, 4)}-${pnr.slice(4, 6)}-${day}`;
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === iso ? iso : null;
}

/** Reference years W = birth year + age, including the ages around the '+' boundary. */
const AGES_AT_REFERENCE_YEAR = [0, 1, 18, 67, 98, 99, 100, 101, 120, 199] as const;

/**
 * Checks one official number in every form a person or a legacy row may give it, and returns what went wrong.
 * Every failure is a string, so that 43,000 numbers make one assertion.
 */
function problemsWithOfficialNumber(pnr: string, type: IdentityType): string[] {
  const problems: string[] = [];
  const expect = (label: string, actual: unknown, expected: unknown): void => {
    if (actual !== expected) problems.push(`${pnr} ${label}: got ${String(actual)}, expected ${String(expected)}`);
  };
  const parse = (label: string, input: string, referenceYear?: number): void => {
    try {
      expect(`parse('${input}', ${referenceYear ?? 'now'})`, parsePersonalNumber(input, referenceYear), pnr);
    } catch (error) {
      problems.push(`${pnr} ${label} parse('${input}', ${referenceYear ?? 'now'}) threw ${(error as InvalidPersonalNumberError).problem ?? String(error)}`);
    }
  };

  expect('isValidPersonalNumber', isValidPersonalNumber(pnr), true);
  expect('hasValidCheckDigit', hasValidCheckDigit(pnr), true);
  expect('identityTypeOf', identityTypeOf(pnr), type);
  expect('identity type from the digits', expectedTypeOf(pnr), type);
  expect('sexOf', sexOf(pnr), expectedSexOf(pnr));
  expect('birthDateOf', birthDateOf(pnr), expectedBirthDateOf(pnr));

  const birthYear = Number(pnr.slice(0, 4));
  const yymmdd = pnr.slice(2, 8);
  const birthNumber = pnr.slice(8);
  const centuryDigits = pnr.slice(0, 2);

  // The 12-digit forms carry the century: the separator, if any, does not matter.
  parse('12 bare', pnr);
  parse('12 with -', `${centuryDigits}${yymmdd}-${birthNumber}`);
  parse('12 with +', `${centuryDigits}${yymmdd}+${birthNumber}`);

  for (const age of AGES_AT_REFERENCE_YEAR) {
    const year = birthYear + age;
    const separator: Separator = age >= 100 ? '+' : '-';
    const tenDigitForm = `${yymmdd}${separator}${birthNumber}`;
    parse(`10 with ${separator} at age ${age}`, tenDigitForm, year);
    if (age < 100) parse(`10 bare at age ${age}`, `${yymmdd}${birthNumber}`, year);
    expect(`expandTenDigits at age ${age}`, expandTenDigits(yymmdd + birthNumber, separator, year), pnr);
    // Round trip: 12 → 10-digit form at W → 12.
    const written = toTenDigitForm(pnr, year);
    expect(`toTenDigitForm(${year})`, written, tenDigitForm);
    parse(`round trip at age ${age}`, written, year);
  }
  return problems;
}

function assertNoProblems(problems: string[], total: number): void {
  assert.equal(
    problems.length,
    0,
    `${problems.length} problems over ${total} numbers; the first:\n${problems.slice(0, 25).join('\n')}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------

describe("Skatteverket's official test personal identity numbers", () => {
  const file = sharedDataFile(PERSONAL_NUMBERS);

  test('the file holds the 41,129 numbers PROVENANCE.md describes', { skip: file.skip }, () => {
    const numbers = readSharedJson<string[]>(PERSONAL_NUMBERS);
    assert.equal(numbers.length, 41_129);
    assert.ok(numbers.every((n) => /^\d{12}$/.test(n)), 'every entry is 12 digits');
  });

  test('every one parses from each 10- and 12-digit form, round-trips, and has the right type, sex and date', { skip: file.skip }, () => {
    const numbers = readSharedJson<string[]>(PERSONAL_NUMBERS);
    assertNoProblems(numbers.flatMap((n) => problemsWithOfficialNumber(n, 'PERSONAL_IDENTITY_NUMBER')), numbers.length);
  });
});

describe("Skatteverket's official test coordination numbers", () => {
  const file = sharedDataFile(COORDINATION_NUMBERS);

  test('the file holds the 2,264 numbers PROVENANCE.md describes, 41 of them with day 60', { skip: file.skip }, () => {
    const numbers = readSharedJson<string[]>(COORDINATION_NUMBERS);
    assert.equal(numbers.length, 2_264);
    assert.ok(numbers.every((n) => /^\d{12}$/.test(n)), 'every entry is 12 digits');
    assert.equal(numbers.filter((n) => n.slice(6, 8) === '60').length, 41);
  });

  test('every one parses from each 10- and 12-digit form, round-trips, and has the right type, sex and date', { skip: file.skip }, () => {
    const numbers = readSharedJson<string[]>(COORDINATION_NUMBERS);
    assertNoProblems(numbers.flatMap((n) => problemsWithOfficialNumber(n, 'COORDINATION_NUMBER')), numbers.length);
  });

  test('those with unknown day (60) or month (00) are valid and have no birth date', { skip: file.skip }, () => {
    const numbers = readSharedJson<string[]>(COORDINATION_NUMBERS);
    const unknownDay = numbers.filter((n) => n.slice(6, 8) === '60');
    const unknownMonth = numbers.filter((n) => n.slice(4, 6) === '00');
    assert.ok(unknownMonth.length > 0, 'the data set has coordination numbers with month 00');
    const wrong = [...unknownDay, ...unknownMonth].filter((n) => !isValidPersonalNumber(n) || birthDateOf(n) !== null);
    assert.deepEqual(wrong, []);
  });
});

test('coordination numbers: day past the end of its month is accepted (as in the official data), without birth date', () => {
  // Official test coordination numbers: 31 April 1920, 30 February 1930, 29 February 1951 (a common year).
  for (const pnr of ['192004912388', '193002902397', '195102892386']) {
    assert.equal(parsePersonalNumber(pnr), pnr);
    assert.equal(identityTypeOf(pnr), 'COORDINATION_NUMBER');
    assert.equal(birthDateOf(pnr), null, pnr);
  }
  // The same date in a personal identity number is not a date (the check digit is not reached).
  assert.equal(rejection(() => parsePersonalNumber('19200431-2388')).problem, 'DATE');
});

// ---------------------------------------------------------------------------------------------------------------

interface Vector {
  integer: number;
  long_format: string;
  short_format: string;
  separated_format: string;
  separated_long: string;
  valid: boolean;
  type: 'ssn' | 'con';
  isMale: boolean;
  isFemale: boolean;
}

const VECTOR_TYPES: Record<Vector['type'], IdentityType> = { ssn: 'PERSONAL_IDENTITY_NUMBER', con: 'COORDINATION_NUMBER' };
/** The year the 10-digit forms of the vectors are read at; their '+' forms are for people born in 1909. */
const VECTOR_YEAR = 2024;

describe('personnummer specification vectors', () => {
  const file = sharedDataFile(VECTORS);

  test('the file holds 14 vectors', { skip: file.skip }, () => {
    assert.equal(readSharedJson<Vector[]>(VECTORS).length, 14);
  });

  test('each gives its stated validity, type and sex from every format it lists', { skip: file.skip }, () => {
    const problems: string[] = [];
    for (const v of readSharedJson<Vector[]>(VECTORS)) {
      const sex: Sex = v.isMale ? 'MALE' : 'FEMALE';
      assert.notEqual(v.isMale, v.isFemale, `vector ${v.long_format} is one sex`);
      const forms: Array<[string, string]> = [
        ['integer', String(v.integer)],
        ['long_format', v.long_format],
        ['short_format', v.short_format],
        ['separated_format', v.separated_format],
        ['separated_long', v.separated_long],
      ];
      for (const [format, input] of forms) {
        const where = `${v.long_format} ${format} '${input}'`;
        let parsed: string;
        try {
          parsed = parsePersonalNumber(input, VECTOR_YEAR);
        } catch (error) {
          if (!(error instanceof InvalidPersonalNumberError)) throw error;
          if (v.valid) problems.push(`${where}: rejected (${error.problem}), but the vector is valid`);
          continue;
        }
        if (!v.valid) {
          problems.push(`${where}: accepted as ${parsed}, but the vector is invalid`);
          continue;
        }
        // A bare 10-digit form is read as '-', so for the people over 100 it names someone born a century later.
        const sameCentury = format !== 'short_format' || v.separated_format.includes('-');
        if (sameCentury && parsed !== v.long_format) problems.push(`${where}: parsed as ${parsed}`);
        if (identityTypeOf(parsed) !== VECTOR_TYPES[v.type]) problems.push(`${where}: type ${identityTypeOf(parsed)}`);
        if (sexOf(parsed) !== sex) problems.push(`${where}: sex ${sexOf(parsed)}`);
      }
      if (isValidPersonalNumber(v.long_format) !== v.valid) problems.push(`${v.long_format}: isValidPersonalNumber is ${!v.valid}`);
      // Type and sex are read from the digits, valid or not (the vector with a space has no 12 digits).
      if (/^\d{12}$/.test(v.long_format)) {
        if (identityTypeOf(v.long_format) !== VECTOR_TYPES[v.type]) problems.push(`${v.long_format}: identityTypeOf`);
        if (sexOf(v.long_format) !== sex) problems.push(`${v.long_format}: sexOf`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('the vector written with a space is a format error in every form', { skip: file.skip }, () => {
    const spaced = readSharedJson<Vector[]>(VECTORS).filter((v) => v.long_format.includes(' '));
    assert.equal(spaced.length, 1);
    for (const input of [spaced[0]!.long_format, spaced[0]!.short_format, spaced[0]!.separated_format, spaced[0]!.separated_long]) {
      assert.equal(rejection(() => parsePersonalNumber(input, VECTOR_YEAR)).problem, 'FORMAT', `'${input}'`);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('rejected input', () => {
  const REJECTED: Array<{ input: string; problem: PersonalNumberProblem; why: string }> = [
    { input: '', problem: 'FORMAT', why: 'empty' },
    { input: 'abcdefghij', problem: 'FORMAT', why: 'letters' },
    { input: '19090527 1474', problem: 'FORMAT', why: 'a space instead of a separator' },
    { input: '090527 1474', problem: 'FORMAT', why: 'a space instead of a separator, 10 digits' },
    { input: '850101-238', problem: 'FORMAT', why: '9 digits' },
    { input: '85010123823', problem: 'FORMAT', why: '11 digits' },
    { input: '1985010123823', problem: 'FORMAT', why: '13 digits' },
    { input: '19850101--2382', problem: 'FORMAT', why: 'two separators' },
    { input: '198501-012382', problem: 'FORMAT', why: 'separator not before the last four' },
    { input: '1985-01-01-2382', problem: 'FORMAT', why: 'dashes in the date' },
    { input: '850101/2382', problem: 'FORMAT', why: 'another separator' },
    { input: '８５０１０１２３８２', problem: 'FORMAT', why: 'full-width digits' },
    { input: '19851301-2382', problem: 'DATE', why: 'month 13' },
    { input: '19850001-2382', problem: 'DATE', why: 'month 00 in a personal identity number' },
    { input: '19850100-2382', problem: 'DATE', why: 'day 00 in a personal identity number' },
    { input: '19850132-2382', problem: 'DATE', why: 'day 32 is neither a date nor a coordination day' },
    { input: '19850159-2382', problem: 'DATE', why: 'day 59' },
    { input: '19850192-2382', problem: 'DATE', why: 'coordination day 92 (32)' },
    { input: '19851362-2382', problem: 'DATE', why: 'month 13 in a coordination number' },
    { input: '19850230-2382', problem: 'DATE', why: '30 February' },
    { input: '19850431-2382', problem: 'DATE', why: '31 April' },
    { input: '19010229-2382', problem: 'DATE', why: '29 February in a common year' },
    { input: '19000229-2382', problem: 'DATE', why: '1900 is not a leap year' },
    { input: '201509160006', problem: 'BIRTH_NUMBER', why: 'birth number 000' },
    { input: '150916-0006', problem: 'BIRTH_NUMBER', why: 'birth number 000, 10 digits' },
    { input: '198501012383', problem: 'CHECK_DIGIT', why: 'wrong check digit' },
    { input: '850101-2383', problem: 'CHECK_DIGIT', why: 'wrong check digit, 10 digits' },
    { input: '19420566-9899', problem: 'CHECK_DIGIT', why: 'coordination number with a wrong check digit' },
  ];

  for (const { input, problem, why } of REJECTED) {
    test(`${problem}: ${why}`, () => {
      const error = rejection(() => parsePersonalNumber(input, 2024));
      assert.equal(error.problem, problem);
      assert.equal(error.code, 'INVALID_PERSONAL_NUMBER');
      assertMessageHidesInput(error.message, input);
      // A number that is well-formed but wrong stays wrong without its separator.
      const digits = input.replace(/[-+]/, '');
      if (problem !== 'FORMAT' && digits.length === 12) assert.equal(isValidPersonalNumber(digits), false);
    });
  }

  test('the message depends on the rule only, never on the value', () => {
    const messages = new Map<PersonalNumberProblem, Set<string>>();
    for (const { input } of REJECTED) {
      const error = rejection(() => parsePersonalNumber(input, 2024));
      messages.set(error.problem, (messages.get(error.problem) ?? new Set()).add(error.message));
    }
    assert.deepEqual([...messages.keys()].sort(), ['BIRTH_NUMBER', 'CHECK_DIGIT', 'DATE', 'FORMAT']);
    for (const [problem, set] of messages) assert.equal(set.size, 1, `${problem} has one message`);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('the century rule of the 10-digit forms', () => {
  // W − 99 ≤ B ≤ W for '-'; the largest B ≤ W − 100 for '+'. All numbers are official test numbers.
  const EXPANSIONS: Array<{ written: string; year: number; expected: string; why: string }> = [
    { written: '250101-9216', year: 2024, expected: '192501019216', why: 'born 1925, 99 in 2024: still "-"' },
    { written: '250101-9216', year: 2025, expected: '202501019216', why: 'in 2025 "-" covers 1926–2025' },
    { written: '250101-9216', year: 2026, expected: '202501019216', why: 'in 2026 "-" covers 1927–2026' },
    { written: '250101+9216', year: 2025, expected: '192501019216', why: '"+" from the year the 1925 person turns 100' },
    { written: '250101+9216', year: 2026, expected: '192501019216', why: '101 in 2026' },
    { written: '250101+9216', year: 2024, expected: '182501019216', why: '"+" in 2024 means born 1924 or earlier' },
    { written: '850101-2382', year: 2024, expected: '198501012382', why: 'the example in legacy-sources.md' },
    { written: '090527+1474', year: 2024, expected: '190905271474', why: 'born 1909, 115 in 2024' },
    { written: '090527-1474', year: 2024, expected: '200905271474', why: '"-" in 2024 means 1925–2024' },
    { written: '090527-1474', year: 2008, expected: '190905271474', why: 'born 1909, 99 in 2008' },
    { written: '090527+1474', year: 2009, expected: '190905271474', why: 'born 1909, turns 100 in 2009' },
    { written: '991231-2395', year: 2024, expected: '199912312395', why: 'born in the 1900s, written in the 2000s' },
    { written: '991231-2395', year: 1999, expected: '199912312395', why: 'written the year of birth' },
    { written: '000229-2399', year: 2024, expected: '200002292399', why: 'born 2000' },
    { written: '000229-2399', year: 2099, expected: '200002292399', why: 'born 2000, 99 in 2099' },
    { written: '000229+2399', year: 2100, expected: '200002292399', why: 'born 2000, turns 100 in 2100' },
    { written: '241231+9218', year: 2024, expected: '192412319218', why: 'born 31 Dec 1924: "+" all of 2024, before the birthday too' },
  ];

  for (const { written, year, expected, why } of EXPANSIONS) {
    test(`'${written}' written in ${year} → ${expected}: ${why}`, () => {
      assert.equal(parsePersonalNumber(written, year), expected);
      assert.equal(expandTenDigits(written.replace(/[-+]/, ''), written[6] as Separator, year), expected);
    });
  }

  test("'000229-2399' written in 2100 is 29 February 2100, which does not exist", () => {
    assert.equal(expandTenDigits('0002292399', '-', 2100), '210002292399');
    assert.equal(rejection(() => parsePersonalNumber('000229-2399', 2100)).problem, 'DATE');
  });

  const TEN_DIGIT_FORMS: Array<{ pnr: string; year: number; expected: string }> = [
    { pnr: '192501019216', year: 2024, expected: '250101-9216' }, // 99
    { pnr: '192501019216', year: 2025, expected: '250101+9216' }, // turns 100
    { pnr: '192501019216', year: 2026, expected: '250101+9216' }, // 101
    { pnr: '192412319218', year: 2023, expected: '241231-9218' },
    { pnr: '192412319218', year: 2024, expected: '241231+9218' }, // turns 100 on 31 December; '+' from 1 January
    { pnr: '200002292399', year: 2099, expected: '000229-2399' },
    { pnr: '200002292399', year: 2100, expected: '000229+2399' },
    { pnr: '189001019802', year: 1989, expected: '900101-9802' },
    { pnr: '189001019802', year: 1990, expected: '900101+9802' },
    { pnr: '198501012382', year: 2024, expected: '850101-2382' },
    { pnr: '191806602395', year: 2024, expected: '180660+2395' }, // a coordination number keeps day + 60
  ];
  for (const { pnr, year, expected } of TEN_DIGIT_FORMS) {
    test(`toTenDigitForm('${pnr}', ${year}) = '${expected}'`, () => {
      assert.equal(toTenDigitForm(pnr, year), expected);
      assert.equal(parsePersonalNumber(expected, year), pnr);
    });
  }

  test('a bare 10-digit form is read as "-"', () => {
    assert.equal(parsePersonalNumber('8501012382', 2024), '198501012382');
    assert.equal(parsePersonalNumber('2501019216', 2024), '192501019216');
    assert.equal(parsePersonalNumber('2501019216', 2025), '202501019216');
  });

  test('without a reference year, user input is read at this year', () => {
    const thisYear = new Date().getFullYear();
    for (const input of ['850101-2382', '090527+1474', '2501019216']) {
      assert.equal(parsePersonalNumber(input), parsePersonalNumber(input, thisYear), input);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('reading the digits', () => {
  test('Luhn over the last ten digits; the century takes no part', () => {
    const CASES: Array<[string, boolean]> = [
      ['198501012382', true],
      ['8501012382', true],
      ['208501012382', true],
      ['198501012383', false],
      ['197302889931', true],
      ['194205669899', false],
    ];
    for (const [pnr, valid] of CASES) assert.equal(hasValidCheckDigit(pnr), valid, pnr);
  });

  test('type, sex and birth date', () => {
    const CASES: Array<{ pnr: string; type: IdentityType; sex: Sex; birthDate: string | null }> = [
      { pnr: '198501012382', type: 'PERSONAL_IDENTITY_NUMBER', sex: 'FEMALE', birthDate: '1985-01-01' },
      { pnr: '192501019216', type: 'PERSONAL_IDENTITY_NUMBER', sex: 'MALE', birthDate: '1925-01-01' },
      { pnr: '200002292399', type: 'PERSONAL_IDENTITY_NUMBER', sex: 'MALE', birthDate: '2000-02-29' },
      { pnr: '197302889931', type: 'COORDINATION_NUMBER', sex: 'MALE', birthDate: '1973-02-28' },
      { pnr: '202107919967', type: 'COORDINATION_NUMBER', sex: 'FEMALE', birthDate: '2021-07-31' },
      { pnr: '191806602395', type: 'COORDINATION_NUMBER', sex: 'MALE', birthDate: null }, // day 60: unknown
      { pnr: '191500722390', type: 'COORDINATION_NUMBER', sex: 'MALE', birthDate: null }, // month 00: unknown
    ];
    for (const { pnr, type, sex, birthDate } of CASES) {
      assert.equal(isValidPersonalNumber(pnr), true, pnr);
      assert.equal(identityTypeOf(pnr), type, pnr);
      assert.equal(sexOf(pnr), sex, pnr);
      assert.equal(birthDateOf(pnr), birthDate, pnr);
    }
  });

  test('isValidPersonalNumber wants exactly 12 digits', () => {
    for (const input of ['8501012382', '850101-2382', '19850101-2382', ' 198501012382', '1985010123820']) {
      assert.equal(isValidPersonalNumber(input), false, `'${input}'`);
    }
  });

  test('surrounding whitespace in user input is ignored', () => {
    assert.equal(parsePersonalNumber(' 850101-2382\n', 2024), '198501012382');
  });
});
