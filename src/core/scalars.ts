/** `Date` (`YYYY-MM-DD`), `DateTime` (ISO 8601 with offset) and `YearMonth` (`YYYY-MM`). Connectors already produce the strings. */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { isCalendarDate } from './calendar.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEAR_MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** ISO 8601 (and ECMAScript's Date) allows offsets up to ±18:00. */
const MAX_OFFSET_MINUTES = 18 * 60;

function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  return isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

/**
 * The pattern alone passes month 13, 25 o'clock or Feb 30, which later become NaN instants and fail queries:
 * every part must name a real instant.
 */
function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetHours = Number(match[8] ?? 0);
  const offsetMinutes = Number(match[9] ?? 0);
  return isCalendarDate(year, month, day) && hour <= 23 && minute <= 59 && second <= 59
    && offsetMinutes <= 59 && offsetHours * 60 + offsetMinutes <= MAX_OFFSET_MINUTES;
}

function stringScalar(name: string, description: string, isValid: (value: string) => boolean): GraphQLScalarType {
  const check = (value: unknown): string => {
    // No code of its own: a bad literal is a validation failure, a bad variable Apollo's BAD_USER_INPUT.
    if (typeof value !== 'string' || !isValid(value)) throw new GraphQLError(`${name} must be ${description}`);
    return value;
  };
  return new GraphQLScalarType({
    name,
    description,
    serialize: check,
    parseValue: check,
    parseLiteral(ast) {
      if (ast.kind !== Kind.STRING) throw new GraphQLError(`${name} must be a string: ${description}`);
      return check(ast.value);
    },
  });
}

export const scalarResolvers = {
  Date: stringScalar('Date', 'a calendar date, YYYY-MM-DD', isDate),
  YearMonth: stringScalar('YearMonth', 'a calendar month, YYYY-MM (month 01–12)', (value) => YEAR_MONTH.test(value)),
  DateTime: stringScalar('DateTime', 'a real instant as an ISO 8601 date-time with offset, e.g. 2026-01-31T12:00:00+01:00', isDateTime),
};
