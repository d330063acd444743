/**
 * How many distinct persons a reader read on a day, in 2 KB whatever the number: a HyperLogLog sketch
 * (Flajolet, Fusy, Gandouet, Meunier 2007) of 2,048 registers, with linear counting below 2.5 values per
 * register, as the paper has it. VOLUME_OUTLIER compares a day's count with medians of others, so an estimate
 * serves: its standard error is about 2 %; every set of 1 to 100,000 persons tests/distinct-count.test.ts tries
 * is within 10 % (for ten persons: one off at worst), and within 4 % on average.
 *
 * Why not the exact set: the follow-up kept every (reader, day, person) as a row, and a reader of batches of 50
 * persons added thousands of rows a second — in the benchmark a fifth of the throughput and 50 MB of memory, for
 * a count. A sketch is read and written once per reader and day in a round.
 */
import { hash } from 'node:crypto';

const INDEX_BITS = 11;
const REGISTERS = 1 << INDEX_BITS;
/** The bias correction for 2,048 registers (Flajolet et al., figure 3). */
const ALPHA = 0.7213 / (1 + 1.079 / REGISTERS);
/** 2^-rank for every value a register's byte can hold: the estimate sums one per register. */
const INVERSE_POWERS = Float64Array.from({ length: 256 }, (_, rank) => 2 ** -rank);

export class DistinctCount {
  private constructor(private readonly registers: Uint8Array) {}

  static empty(): DistinctCount {
    return new DistinctCount(new Uint8Array(REGISTERS));
  }

  /** A sketch as `toText` stored it; an empty one for null (a day counted before sketches). */
  static fromText(text: string | null): DistinctCount {
    if (text === null) return DistinctCount.empty();
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length !== REGISTERS) throw new Error('not a distinct-count sketch');
    return new DistinctCount(new Uint8Array(bytes));
  }

  toText(): string {
    return Buffer.from(this.registers).toString('base64');
  }

  /** Counts a value; true when the sketch changed (a value seen before never changes it). */
  add(value: string): boolean {
    // 64 well-mixed bits of the value: the first 11 choose a register, the rest give the rank.
    // One-shot: a W2 round hashes fifty persons per event, and a Hash object each cost half again as much.
    const digest = hash('sha256', value, 'buffer');
    const high = digest.readUInt32BE(0);
    const low = digest.readUInt32BE(4);
    const register = high >>> (32 - INDEX_BITS);
    const rest = (high << INDEX_BITS) >>> 0;
    const rank = rest !== 0 ? Math.clz32(rest) + 1 : 32 - INDEX_BITS + Math.clz32(low) + 1;
    if (rank <= this.registers[register]!) return false;
    this.registers[register] = rank;
    return true;
  }

  /** The estimated number of distinct values added, rounded. */
  get estimate(): number {
    let sum = 0;
    let zeros = 0;
    for (const rank of this.registers) {
      sum += INVERSE_POWERS[rank]!;
      if (rank === 0) zeros += 1;
    }
    const raw = (ALPHA * REGISTERS * REGISTERS) / sum;
    // HyperLogLog's own estimate is biased upwards below 2.5 registers per value; linear counting is not.
    if (raw <= 2.5 * REGISTERS && zeros > 0) return Math.round(REGISTERS * Math.log(REGISTERS / zeros));
    return Math.round(raw);
  }
}
