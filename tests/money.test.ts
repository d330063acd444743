/** Money: integer öre → decimal string and 32-bit minor units, never a float. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { moneyFromOre, MoneyOutOfRangeError } from '../src/core/money.js';

const MAX_INT = 2n ** 31n - 1n;
const MIN_INT = -(2n ** 31n);

const AMOUNTS: Array<{ ore: bigint; amount: string }> = [
  { ore: 0n, amount: '0.00' },
  { ore: 1n, amount: '0.01' },
  { ore: 9n, amount: '0.09' },
  { ore: 10n, amount: '0.10' },
  { ore: 99n, amount: '0.99' },
  { ore: 100n, amount: '1.00' },
  { ore: 101n, amount: '1.01' },
  { ore: 125_000n, amount: '1250.00' },
  { ore: 125_050n, amount: '1250.50' },
  { ore: -1n, amount: '-0.01' },
  { ore: -99n, amount: '-0.99' },
  { ore: -100n, amount: '-1.00' },
  { ore: -125_050n, amount: '-1250.50' },
  { ore: MAX_INT, amount: '21474836.47' },
  { ore: MIN_INT, amount: '-21474836.48' },
];

for (const { ore, amount } of AMOUNTS) {
  test(`${ore} öre → "${amount}" SEK`, () => {
    assert.deepEqual(moneyFromOre(ore), { amount, currency: 'SEK', minorUnits: Number(ore) });
  });
}

test('minus zero öre is zero', () => {
  assert.deepEqual(moneyFromOre(-0n), { amount: '0.00', currency: 'SEK', minorUnits: 0 });
});

test('the decimal string always has two decimals and no exponent or float artefacts', () => {
  for (let ore = -1000n; ore <= 1000n; ore += 7n) {
    const { amount, minorUnits } = moneyFromOre(ore);
    assert.match(amount, /^-?\d+\.\d{2}$/);
    assert.equal(BigInt(amount.replace('.', '')), ore, amount);
    assert.ok(Number.isInteger(minorUnits));
  }
});

const OUT_OF_RANGE = [MAX_INT + 1n, MIN_INT - 1n, 10n ** 15n, -(10n ** 15n), 2n ** 63n - 1n];

for (const ore of OUT_OF_RANGE) {
  test(`${ore} öre does not fit 32-bit minor units`, () => {
    assert.throws(
      () => moneyFromOre(ore),
      (error: unknown) => {
        assert.ok(error instanceof MoneyOutOfRangeError);
        assert.equal(error.code, 'MONEY_OUT_OF_RANGE');
        assert.doesNotMatch(error.message, /\d{4,}/, 'the message does not carry the amount');
        return true;
      },
    );
  });
}
