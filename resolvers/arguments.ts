/** Turns client arguments into domain values, or a BAD_USER_INPUT error that names the argument. */
import { InvalidPersonalNumberError, parsePersonalNumber } from '../src/domain/personal-number.js';
import { BadUserInputError } from '../src/errors.js';

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

/** Cursors are opaque to clients: base64url of a versioned position. */
export function encodeCursor(position: string): string {
  return Buffer.from(`v1:${position}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, isPosition: (value: string) => boolean): string | null {
  if (cursor === null || cursor === undefined) return null;
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const position = decoded.startsWith('v1:') ? decoded.slice(3) : '';
  if (!isPosition(position)) throw new BadUserInputError('after is not a cursor this server issued');
  return position;
}
