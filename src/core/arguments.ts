/** Turns client arguments into domain values, or a BAD_USER_INPUT error that names the argument. */
import { InvalidPersonalNumberError, parsePersonalNumber } from './personal-number.js';
import type { CursorCodec, CursorList } from './cursor.js';
import { BadUserInputError } from './errors.js';

export function personalNumberArgument(value: string, argument: string): string {
  try {
    return parsePersonalNumber(value);
  } catch (error) {
    if (error instanceof InvalidPersonalNumberError) throw new BadUserInputError(`${argument} ${error.reason}`);
    throw error;
  }
}

export const PAGE_SIZE = { default: 20, max: 100 } as const;

export function pageSizeArgument(first: number | null | undefined): number {
  if (first === null || first === undefined) return PAGE_SIZE.default;
  if (first < 0 || first > PAGE_SIZE.max) throw new BadUserInputError(`first must be between 0 and ${PAGE_SIZE.max}`);
  return first;
}

/** `after`: the position inside a cursor this server issued for `list`, or null for the first page. */
export function afterArgument<T>(cursors: CursorCodec, list: CursorList, after: string | null | undefined, parse: (position: string) => T | null): T | null {
  return after === null || after === undefined ? null : cursors.decode(list, after, parse);
}
