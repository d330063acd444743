/** Money is never a float: amounts travel as integer minor units (öre) and as decimal strings. */
export interface Money {
  amount: string;
  currency: 'SEK';
  minorUnits: number;
}

/** GraphQL's Int is a signed 32-bit integer: −2^31 … 2^31 − 1. */
const MAX_GRAPHQL_INT = 2n ** 31n - 1n;
const MIN_GRAPHQL_INT = -(2n ** 31n);

export class MoneyOutOfRangeError extends Error {
  readonly code = 'MONEY_OUT_OF_RANGE';
  constructor() {
    super('amount does not fit in 32-bit minor units');
    this.name = 'MoneyOutOfRangeError';
  }
}

export function moneyFromOre(ore: bigint): Money {
  if (ore > MAX_GRAPHQL_INT || ore < MIN_GRAPHQL_INT) throw new MoneyOutOfRangeError();
  const negative = ore < 0n;
  const abs = negative ? -ore : ore;
  const kronor = abs / 100n;
  const ore2 = (abs % 100n).toString().padStart(2, '0');
  return { amount: `${negative ? '-' : ''}${kronor}.${ore2}`, currency: 'SEK', minorUnits: Number(ore) };
}
