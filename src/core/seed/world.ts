/**
 * The generated people every module's seed generator starts from: one world per (citizens, seed), shared by
 * all sources so that a person's benefits, cases and incomes belong to someone the population register knows.
 */
import type { Municipality } from './vocabulary.js';

/** One chunk of generated rows for one legacy table. */
export interface LegacyChunk {
  table: string;
  rows: readonly object[];
}

export type SeedSex = 'M' | 'K';
export type DeregistrationCause = 'AV' | 'UV' | 'TA';

export interface SeedPerson {
  /** The 12-digit number, as FB_PERSON.PERSONID holds it. */
  pnr: string;
  /** Birth date as a day number; an unknown day or month (coordination numbers) counts as the 1st. */
  birthDay: number;
  birthYear: number;
  coordination: boolean;
  sex: SeedSex;
  municipality: Municipality;
  givenNames: string[];
  familyName: string;
  registeredOn: number;
  deregistration: { cause: DeregistrationCause; on: number; dateKnown: boolean } | null;
  /** Last day the person can appear in another agency's rows (deregistration day, or the as-of day). */
  activeUntil: number;
  children: number;
}

export interface SeedWorld {
  seed: string;
  persons: readonly SeedPerson[];
}
