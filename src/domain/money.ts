/** Money is never a float: amounts travel as integer minor units (öre) and as decimal strings. */
export interface Money {
  amount: string;
  currency: 'SEK';
  minorUnits: number;
}

const MAX_GRAPHQL_INT = 2 ** 31 - 1;

export class MoneyOutOfRangeError extends Error {
  readonly code = 'MONEY_OUT_OF_RANGE';
  constructor() {
    super('amount does not fit in 32-bit minor units');
    this.name = 'MoneyOutOfRangeError';
  }
}

export function moneyFromOre(ore: bigint): Money {
  if (ore > BigInt(MAX_GRAPHQL_INT) || ore < -BigInt(MAX_GRAPHQL_INT)) throw new MoneyOutOfRangeError();
  const negative = ore < 0n;
  const abs = negative ? -ore : ore;
  const kronor = abs / 100n;
  const ore2 = (abs % 100n).toString().padStart(2, '0');
  return { amount: `${negative ? '-' : ''}${kronor}.${ore2}`, currency: 'SEK', minorUnits: Number(ore) };
}
