/**
 * A small seeded pseudo-random generator for the demo and test data. The generator must give byte-identical
 * data on every machine, so it uses only 32-bit integer arithmetic (sfc32) seeded from SHA-256 — never
 * Math.random, never floating-point functions whose last bits could differ between platforms.
 */
import { createHash } from 'node:crypto';

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** One independent stream per (seed, stream name): adding draws to one stream never shifts another. */
  constructor(seed: string, stream: string) {
    const digest = createHash('sha256').update(seed, 'utf8').update('\u0000').update(stream, 'utf8').digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1); exact (a 32-bit integer divided by 2^32), so identical everywhere. */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Picks a value with probability proportional to its weight. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, weight] of choices) total += weight;
    let point = this.float() * total;
    for (const [value, weight] of choices) {
      if (point < weight) return value;
      point -= weight;
    }
    return choices[choices.length - 1]![0];
  }

  /** A new array with the items in random order (Fisher–Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const copy = items.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const held = copy[i]!;
      copy[i] = copy[j]!;
      copy[j] = held;
    }
    return copy;
  }

  /** `count` distinct items of `items` (fewer if there are not enough), in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    return this.shuffled(items).slice(0, Math.max(0, count));
  }
}
