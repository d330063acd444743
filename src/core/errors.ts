/** The client errors that source modules raise themselves (every code is defined in error-codes.ts). */
import { GraphQLError } from 'graphql';
import { Code } from './error-codes.js';

/** An argument the client got wrong; the message names the argument, never its value. */
export class BadUserInputError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: Code.BAD_USER_INPUT } });
  }
}
