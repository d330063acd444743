/**
 * The value conventions of the agencies' legacy databases (../shared/spec/legacy-sources.md): compact dates
 * with sentinels, Swedish local times without offset, öre, and personal numbers in 10-digit or integer form.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Temporal } from 'temporal-polyfill';
import {
  decodeCode,
  decodeCompactDate,
  decodeDate,
  decodeIntegerPersonalNumber,
  decodeOre,
  decodeSwedishLocalTime,
  decodeTenDigitPersonalNumber,
  UnmappableValueError,
} from '../src/core/legacy-values.js';
import { readSharedJson, sharedDataFile } from './helpers/shared-data.js';

/**
 * Asserts that `fn` throws an UnmappableValueError for `column` whose problem matches `problem`, and whose
 * message names the column but does not carry the value.
 */
function assertUnmappable(fn: () => unknown, column: string, value: unknown, problem: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UnmappableValueError, `expected UnmappableValueError, got ${String(error)}`);
    assert.equal(error.code, 'UNMAPPABLE_VALUE');
    assert.equal(error.column, column);
    assert.match(error.problem, problem);
    assert.ok(error.message.startsWith(`${column}: `), 'the message names the column');
    const text = String(value).trim();
    if (text.length >= 3) assert.ok(!error.message.includes(text), 'the message carries the value');
    assert.doesNotMatch(error.message, /\d{4,}/, 'the message carries digits of the value');
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------

describe('decodeCompactDate (YYYYMMDD)', () => {
  const COLUMN = 'FB_PERSON.FOLKBOKFORINGSDATUM';
  const SENTINELS = ['00000000', '99991231'];

  const VALID: Array<[string, string]> = [
    ['20240131', '2024-01-31'],
    ['20240229', '2024-02-29'],
    ['20000229', '2000-02-29'],
    ['19000228', '1900-02-28'],
    ['18900101', '1890-01-01'],
    ['20241231', '2024-12-31'],
    ['20240430', '2024-04-30'],
    ['20240101  ', '2024-01-01'], // CHAR(8) read with padding
  ];
  for (const [value, expected] of VALID) {
    test(`'${value}' → ${expected}`, () => assert.equal(decodeCompactDate(value, COLUMN, SENTINELS), expected));
  }

  test('sentinels give null, but only where the column declares them', () => {
    assert.equal(decodeCompactDate('00000000', COLUMN, SENTINELS), null);
    assert.equal(decodeCompactDate('99991231', 'FK_BESLUT.TOM_DATUM', ['99991231']), null);
    assert.equal(decodeCompactDate('99991231', COLUMN), '9999-12-31');
    assertUnmappable(() => decodeCompactDate('00000000', COLUMN), COLUMN, '00000000', /YYYYMMDD/);
  });

  test('NULL is null', () => assert.equal(decodeCompactDate(null, COLUMN, SENTINELS), null));

  const INVALID = ['20240230', '20230229', '19000229', '20240431', '20241301', '20240001', '20240100', '20240132',
    '2024010', '202401011', 'abcdefgh', '2024-01-01', '', '        '];
  for (const value of INVALID) {
    test(`'${value}' is not a date`, () => {
      assertUnmappable(() => decodeCompactDate(value, COLUMN, SENTINELS), COLUMN, value, /YYYYMMDD/);
    });
  }
});

describe('decodeDate (DATE columns)', () => {
  const COLUMN = 'FK_BESLUT.BESLUTSDATUM';

  test('a DATE as mysql2 (dateStrings) or SQLite returns it', () => {
    assert.equal(decodeDate('2024-02-29', COLUMN), '2024-02-29');
    assert.equal(decodeDate('2024-02-29 00:00:00', COLUMN), '2024-02-29');
    assert.equal(decodeDate(null, COLUMN), null);
  });

  for (const value of ['2024-02-30', '2024-13-01', '0000-00-00', '20240101', 'garbage', '']) {
    test(`'${value}' is not a date`, () => assertUnmappable(() => decodeDate(value, COLUMN), COLUMN, value, /not a date/));
  }
});

// ---------------------------------------------------------------------------------------------------------------

describe('decodeSwedishLocalTime (Europe/Stockholm wall time → ISO 8601 with offset)', () => {
  const COLUMN = 'AF_ARENDE.OPPNAT';

  const CASES: Array<{ local: string; expected: string; why: string }> = [
    { local: '2024-01-15 08:30:00', expected: '2024-01-15T08:30:00+01:00', why: 'winter time' },
    { local: '2024-07-01 12:00:00', expected: '2024-07-01T12:00:00+02:00', why: 'summer time' },
    { local: '2024-12-31 23:59:59', expected: '2024-12-31T23:59:59+01:00', why: 'last second of the year' },
    { local: '2024-06-01T10:00:00', expected: '2024-06-01T10:00:00+02:00', why: 'with T' },
    { local: '2024-06-01 10:00:00.250', expected: '2024-06-01T10:00:00+02:00', why: 'fractional seconds are dropped' },
    { local: '2024-03-30 02:30:00', expected: '2024-03-30T02:30:00+01:00', why: 'the day before the spring change' },
    // 2024-03-31: 02:00–02:59 does not exist; 'compatible' moves it forward by the gap.
    { local: '2024-03-31 01:59:59', expected: '2024-03-31T01:59:59+01:00', why: 'last second before the spring gap' },
    { local: '2024-03-31 02:00:00', expected: '2024-03-31T03:00:00+02:00', why: 'start of the spring gap' },
    { local: '2024-03-31 02:30:00', expected: '2024-03-31T03:30:00+02:00', why: 'inside the spring gap' },
    { local: '2024-03-31 02:59:59', expected: '2024-03-31T03:59:59+02:00', why: 'end of the spring gap' },
    { local: '2024-03-31 03:00:00', expected: '2024-03-31T03:00:00+02:00', why: 'first summer-time second' },
    // 2024-10-27: 02:00–02:59 happens twice; 'compatible' takes the first (summer-time) occurrence.
    { local: '2024-10-27 01:59:59', expected: '2024-10-27T01:59:59+02:00', why: 'before the autumn overlap' },
    { local: '2024-10-27 02:00:00', expected: '2024-10-27T02:00:00+02:00', why: 'start of the autumn overlap' },
    { local: '2024-10-27 02:30:00', expected: '2024-10-27T02:30:00+02:00', why: 'inside the autumn overlap' },
    { local: '2024-10-27 02:59:59', expected: '2024-10-27T02:59:59+02:00', why: 'end of the autumn overlap' },
    { local: '2024-10-27 03:00:00', expected: '2024-10-27T03:00:00+01:00', why: 'first winter-time second' },
    // Other years: the change is on the last Sunday of March and of October.
    { local: '2019-03-31 02:15:00', expected: '2019-03-31T03:15:00+02:00', why: '2019 spring gap' },
    { local: '2019-10-27 02:15:00', expected: '2019-10-27T02:15:00+02:00', why: '2019 autumn overlap' },
    { local: '2019-10-27 03:00:00', expected: '2019-10-27T03:00:00+01:00', why: '2019 after the overlap' },
    { local: '2025-03-30 01:59:59', expected: '2025-03-30T01:59:59+01:00', why: '2025 before the spring gap' },
    { local: '2025-03-30 02:00:00', expected: '2025-03-30T03:00:00+02:00', why: '2025 spring gap' },
    { local: '2025-03-30 03:00:00', expected: '2025-03-30T03:00:00+02:00', why: '2025 after the spring gap' },
    { local: '2025-03-31 02:30:00', expected: '2025-03-31T02:30:00+02:00', why: '31 March 2025 is not a change day' },
    { local: '2025-10-26 02:30:00', expected: '2025-10-26T02:30:00+02:00', why: '2025 autumn overlap' },
    { local: '2025-10-26 03:00:00', expected: '2025-10-26T03:00:00+01:00', why: '2025 after the overlap' },
  ];
  for (const { local, expected, why } of CASES) {
    test(`${why}: '${local}' → ${expected}`, () => assert.equal(decodeSwedishLocalTime(local, COLUMN), expected));
  }

  test('the overlap and the gap resolve to the instants the rule names', () => {
    // Autumn 02:30 first occurrence = 00:30 UTC; spring 02:30 shifted forward = 03:30+02:00 = 01:30 UTC.
    assert.equal(Date.parse(decodeSwedishLocalTime('2024-10-27 02:30:00', COLUMN)!), Date.UTC(2024, 9, 27, 0, 30));
    assert.equal(Date.parse(decodeSwedishLocalTime('2024-03-31 02:30:00', COLUMN)!), Date.UTC(2024, 2, 31, 1, 30));
  });

  test('NULL is null', () => assert.equal(decodeSwedishLocalTime(null, COLUMN), null));

  test('the cached per-day offsets give what Temporal gives, for every hour around changes and random times since 1880', () => {
    const temporal = (local: string) => Temporal.PlainDateTime.from(local.replace(' ', 'T'), { overflow: 'reject' })
      .toZonedDateTime('Europe/Stockholm', { disambiguation: 'compatible' })
      .toString({ timeZoneName: 'never', fractionalSecondDigits: 0 });
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    const samples: string[] = [];
    // Every quarter hour of the days around changes, old and new (1916, 1949, 1980, 1996 rule change, 2024).
    for (const day of ['1900-01-01', '1916-05-14', '1916-10-01', '1949-04-02', '1949-10-02', '1980-04-06', '1980-09-28', '1996-10-27', '2024-03-31', '2024-10-27', '2038-03-28']) {
      for (let minutes = 0; minutes < 24 * 60; minutes += 15) samples.push(`${day} ${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}:${pad(minutes % 60)}`);
    }
    samples.push('1899-12-31 23:59:59', '1900-01-01 00:00:00', '2024-06-01 10:00:00.999999999', '2024-06-01 10:59:60');
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    for (let i = 0; i < 5000; i++) {
      samples.push(`${1880 + next(180)}-${pad(1 + next(12))}-${pad(1 + next(28))} ${pad(next(24))}:${pad(next(60))}:${pad(next(60))}`);
    }
    for (const round of ['first', 'cached']) {
      for (const local of samples) {
        let expected: string | Error;
        try {
          expected = temporal(local);
        } catch (error) {
          expected = error as Error;
        }
        if (expected instanceof Error) assert.throws(() => decodeSwedishLocalTime(local, COLUMN), UnmappableValueError, `${round}: ${local}`);
        else assert.equal(decodeSwedishLocalTime(local, COLUMN), expected, `${round}: ${local}`);
      }
    }
  });

  const INVALID: Array<{ value: string; why: string }> = [
    { value: '2024-02-30 10:00:00', why: '30 February' },
    { value: '2023-02-29 10:00:00', why: '29 February in a common year' },
    { value: '2024-13-01 10:00:00', why: 'month 13' },
    { value: '2024-01-01 24:00:00', why: 'hour 24' },
    { value: '2024-01-01 10:61:00', why: 'minute 61' },
    { value: '0000-00-00 00:00:00', why: "MySQL's zero date" },
    { value: 'garbage', why: 'garbage' },
    { value: '', why: 'empty' },
    { value: '2024-06-01', why: 'a date without time' },
    { value: '2024-06-01 10:00', why: 'no seconds' },
    { value: '20240601 100000', why: 'compact form' },
    { value: '2024-06-01T10:00:00Z', why: 'an instant in UTC, not a wall time' },
    { value: '2024-06-01 10:00:00+05:00', why: 'an offset, which would otherwise be dropped silently' },
    { value: '2024-06-01 10:00:00[Europe/Stockholm]', why: 'a zone annotation' },
  ];
  for (const { value, why } of INVALID) {
    test(`rejects ${why}: '${value}'`, () => {
      assertUnmappable(() => decodeSwedishLocalTime(value, COLUMN), COLUMN, value, /local date-time/);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------

describe('decodeOre (BIGINT öre → Money)', () => {
  const COLUMN = 'FK_UTBETALNING.BELOPP_ORE';

  const VALID: Array<{ value: number | string | bigint; amount: string; minorUnits: number }> = [
    { value: 0, amount: '0.00', minorUnits: 0 },
    { value: '0', amount: '0.00', minorUnits: 0 },
    { value: 1, amount: '0.01', minorUnits: 1 },
    { value: '99', amount: '0.99', minorUnits: 99 },
    { value: 100n, amount: '1.00', minorUnits: 100 },
    { value: 125000, amount: '1250.00', minorUnits: 125000 },
    { value: '125000', amount: '1250.00', minorUnits: 125000 }, // mysql2 with bigNumberStrings
    { value: 125000n, amount: '1250.00', minorUnits: 125000 },
    { value: '-125050', amount: '-1250.50', minorUnits: -125050 },
    { value: -1, amount: '-0.01', minorUnits: -1 },
    { value: '2147483647', amount: '21474836.47', minorUnits: 2147483647 },
    { value: '-2147483648', amount: '-21474836.48', minorUnits: -2147483648 },
  ];
  for (const { value, amount, minorUnits } of VALID) {
    test(`${typeof value} ${String(value)} → "${amount}"`, () => {
      assert.deepEqual(decodeOre(value, COLUMN), { amount, currency: 'SEK', minorUnits });
    });
  }

  test('NULL is null', () => assert.equal(decodeOre(null, COLUMN), null));

  const NOT_WHOLE: Array<number | string> = ['12.50', '1e3', 'abc', '', ' 100', '+100', '--1', 1.5, Number.NaN, 1e21];
  for (const value of NOT_WHOLE) {
    test(`${typeof value} '${String(value)}' is not a whole number of öre`, () => {
      assertUnmappable(() => decodeOre(value, COLUMN), COLUMN, value, /whole number/);
    });
  }

  const OUT_OF_RANGE: Array<string | bigint> = ['2147483648', '-2147483649', '9223372036854775807', '-9223372036854775808', 2n ** 40n];
  for (const value of OUT_OF_RANGE) {
    test(`${String(value)} does not fit 32-bit minor units`, () => {
      assertUnmappable(() => decodeOre(value, COLUMN), COLUMN, value, /out of range/);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------------

describe('decodeTenDigitPersonalNumber (FK_BESLUT.PNR at the year of ANDRAD_TS)', () => {
  const COLUMN = 'FK_BESLUT.PNR';

  // All numbers are official test numbers; the century comes from the separator at the year written.
  const CASES: Array<{ pnr: string; writtenAt: string; expected: string; why: string }> = [
    { pnr: '850101-2382', writtenAt: '2024-05-01 12:00:00', expected: '198501012382', why: 'the example in legacy-sources.md' },
    { pnr: '250101-9216', writtenAt: '2024-12-31 23:59:59', expected: '192501019216', why: 'born 1925, 99 when written' },
    { pnr: '250101-9216', writtenAt: '2026-01-01 00:00:00', expected: '202501019216', why: 'in 2026, "-" 25 is 2025' },
    { pnr: '250101+9216', writtenAt: '2025-01-01 00:00:00', expected: '192501019216', why: 'the year the 1925 person turns 100' },
    { pnr: '250101+9216', writtenAt: '2026-06-01 08:00:00', expected: '192501019216', why: '101 when written' },
    { pnr: '250101+9216', writtenAt: '2024-06-01 08:00:00', expected: '182501019216', why: '"+" in 2024 is 1924 or earlier' },
    { pnr: '090527+1474', writtenAt: '2024-05-01 12:00:00', expected: '190905271474', why: 'born 1909' },
    { pnr: '090527-1474', writtenAt: '2008-05-01 12:00:00', expected: '190905271474', why: 'born 1909, written at 99' },
    { pnr: '000229-2399', writtenAt: '2024-05-01 12:00:00', expected: '200002292399', why: 'born 2000' },
    { pnr: '991231-2395', writtenAt: '2024-01-01T00:00:00+01:00', expected: '199912312395', why: 'ISO timestamp' },
    { pnr: '180660+2395', writtenAt: '2024-05-01 12:00:00', expected: '191806602395', why: 'coordination number, day 60' },
    { pnr: '850101-2382 ', writtenAt: '2024-05-01 12:00:00', expected: '198501012382', why: 'padding is trimmed' },
  ];
  for (const { pnr, writtenAt, expected, why } of CASES) {
    test(`${why}: '${pnr}' written ${writtenAt} → ${expected}`, () => {
      assert.equal(decodeTenDigitPersonalNumber(pnr, writtenAt, COLUMN), expected);
    });
  }

  const INVALID: Array<{ pnr: string; writtenAt: string; problem: RegExp; why: string }> = [
    { pnr: '8501012382', writtenAt: '2024-05-01 12:00:00', problem: /10-digit/, why: 'no separator' },
    { pnr: '198501012382', writtenAt: '2024-05-01 12:00:00', problem: /10-digit/, why: '12 digits' },
    { pnr: '19850101-2382', writtenAt: '2024-05-01 12:00:00', problem: /10-digit/, why: '12 digits with separator' },
    { pnr: '850101 2382', writtenAt: '2024-05-01 12:00:00', problem: /10-digit/, why: 'a space' },
    { pnr: '850101-2383', writtenAt: '2024-05-01 12:00:00', problem: /invalid personal number/, why: 'Luhn' },
    { pnr: '850132-2382', writtenAt: '2024-05-01 12:00:00', problem: /invalid personal number/, why: 'day 32' },
    { pnr: '000229-2399', writtenAt: '2100-01-01 00:00:00', problem: /invalid personal number/, why: '29 Feb 2100' },
    { pnr: '850101-2382', writtenAt: '', problem: /change timestamp/, why: 'no timestamp' },
    { pnr: '850101-2382', writtenAt: 'garbage', problem: /change timestamp/, why: 'a garbage timestamp' },
    { pnr: '850101-2382', writtenAt: '0000-00-00 00:00:00', problem: /change timestamp/, why: "MySQL's zero timestamp" },
  ];
  for (const { pnr, writtenAt, problem, why } of INVALID) {
    test(`rejects ${why}`, () => {
      assertUnmappable(() => decodeTenDigitPersonalNumber(pnr, writtenAt, COLUMN), COLUMN, pnr, problem);
    });
  }
});

describe('decodeIntegerPersonalNumber (AF_ARENDE.PERSONNR, BIGINT)', () => {
  const COLUMN = 'AF_ARENDE.PERSONNR';

  const VALID: Array<{ value: number | string | bigint; expected: string }> = [
    { value: 198501012382, expected: '198501012382' },
    { value: '198501012382', expected: '198501012382' },
    { value: 198501012382n, expected: '198501012382' },
    { value: 197302889931, expected: '197302889931' }, // coordination number
    { value: 191500722390, expected: '191500722390' }, // coordination number, month 00
  ];
  for (const { value, expected } of VALID) {
    test(`${typeof value} ${String(value)} → ${expected}`, () => assert.equal(decodeIntegerPersonalNumber(value, COLUMN), expected));
  }

  const INVALID: Array<{ value: number | string | bigint; why: string }> = [
    { value: 8501012382, why: 'a 10-digit number is not a 12-digit one with leading zeros' },
    { value: 0, why: 'zero' },
    { value: 198501012383, why: 'Luhn' },
    { value: 19850101238, why: '11 digits' },
    { value: 1985010123820, why: '13 digits' },
    { value: -198501012382, why: 'negative' },
    { value: '19850101-2382', why: 'a separator' },
  ];
  for (const { value, why } of INVALID) {
    test(`rejects ${why}`, () => {
      assertUnmappable(() => decodeIntegerPersonalNumber(value, COLUMN), COLUMN, value, /invalid personal number/);
    });
  }
});

describe('personal numbers of the reference data through the legacy decoders', () => {
  const FILES = ['se-test-personal-numbers.json', 'se-test-coordination-numbers.json'] as const;
  for (const name of FILES) {
    const file = sharedDataFile(name);
    test(`${name}: every number decodes from FK's 10-digit form at several years and from AF's integer`, { skip: file.skip }, () => {
      const problems: string[] = [];
      for (const pnr of readSharedJson<string[]>(name)) {
        const birthYear = Number(pnr.slice(0, 4));
        for (const age of [0, 50, 99, 100, 101]) {
          const written = `${pnr.slice(2, 8)}${age >= 100 ? '+' : '-'}${pnr.slice(8)}`;
          const writtenAt = `${birthYear + age}-06-15 12:00:00`;
          try {
            const decoded = decodeTenDigitPersonalNumber(written, writtenAt, 'FK_BESLUT.PNR');
            if (decoded !== pnr) problems.push(`${written} at ${writtenAt}: ${decoded}`);
          } catch (error) {
            problems.push(`${written} at ${writtenAt}: ${String(error)}`);
          }
        }
        for (const value of [Number(pnr), BigInt(pnr), pnr]) {
          try {
            const decoded = decodeIntegerPersonalNumber(value, 'AF_ARENDE.PERSONNR');
            if (decoded !== pnr) problems.push(`integer ${typeof value} ${pnr}: ${decoded}`);
          } catch (error) {
            problems.push(`integer ${typeof value} ${pnr}: ${String(error)}`);
          }
        }
      }
      assert.equal(problems.length, 0, `${problems.length} problems; the first:\n${problems.slice(0, 25).join('\n')}`);
    });
  }

  const vectors = sharedDataFile('personnummer-vectors.json');
  test('the personnummer vectors: valid ones decode, invalid ones are findings', { skip: vectors.skip }, () => {
    type Vector = { integer: number; long_format: string; separated_format: string; valid: boolean };
    const problems: string[] = [];
    for (const v of readSharedJson<Vector[]>('personnummer-vectors.json')) {
      for (const [form, decode] of [
        ['separated', () => decodeTenDigitPersonalNumber(v.separated_format, '2024-05-01 12:00:00', 'FK_BESLUT.PNR')],
        ['integer', () => decodeIntegerPersonalNumber(v.integer, 'AF_ARENDE.PERSONNR')],
      ] as const) {
        let decoded: string | undefined;
        try {
          decoded = decode();
        } catch (error) {
          if (!(error instanceof UnmappableValueError)) throw error;
        }
        if (v.valid && decoded !== v.long_format) problems.push(`${v.long_format} ${form}: ${decoded ?? 'rejected'}`);
        if (!v.valid && decoded !== undefined) problems.push(`${v.long_format} ${form}: accepted as ${decoded}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('decodeCode', () => {
  const COLUMN = 'FB_PERSON.KON';
  const SEX = { M: 'MALE', K: 'FEMALE' } as const;

  test('known codes, with CHAR padding', () => {
    assert.equal(decodeCode(SEX, 'M', COLUMN), 'MALE');
    assert.equal(decodeCode(SEX, 'K ', COLUMN), 'FEMALE');
  });

  // Names of Object.prototype's members are not codes: a VARCHAR column could hold any of them.
  for (const value of ['X', '', 'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    test(`'${value}' is an unknown code`, () => {
      assertUnmappable(() => decodeCode(SEX, value, COLUMN), COLUMN, value, /unknown code/);
    });
  }

  test('NULL is an unknown code', () => {
    assertUnmappable(() => decodeCode(SEX, null, COLUMN), COLUMN, null, /unknown code/);
  });
});
