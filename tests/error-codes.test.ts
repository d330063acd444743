/**
 * One error registry (src/error-codes.ts): the README's "Error codes" table lists exactly its codes with its
 * statuses, and no server source spells a client code out as a string instead of taking it from there.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Code, ERROR_CODES, httpStatus, type ErrorCode } from '../src/core/error-codes.js';
import { documentedCodes } from './helpers/error-codes.js';
import { repoRoot } from './helpers/repo.js';

/** The server's sources: what can raise a code a client sees. */
const SOURCE_DIRECTORIES = ['src', 'sources'];
const REGISTRY = join('src', 'core', 'error-codes.ts');

/** `code` properties that never reach a client, each with why. */
const INTERNAL_CODES: Readonly<Record<string, string>> = {
  BAD_CONFIG: 'a config error ends the CLI or the server start with a message; no client sees it',
  STORE_UNAVAILABLE: 'the CLI and readiness report an unreachable store; clients get AUDIT_UNAVAILABLE',
  BAD_DATABASE_URL: 'a malformed database URL in the config, reported at start',
  NO_DEMO_ISSUER: 'the CLI demo commands, before any server runs',
  INVALID_PERSONAL_NUMBER: 'domain error; resolvers turn it into BAD_USER_INPUT',
  MONEY_OUT_OF_RANGE: 'domain error; masked as INTERNAL_SERVER_ERROR if it ever escapes',
  UNMAPPABLE_VALUE: 'a legacy value a connector cannot map: a data-quality finding, never an answer',
  STATEMENT_TIMEOUT: 'a source query ran too long; clients get SOURCE_UNAVAILABLE',
  ECONNABORTED: 'Node\'s code for a client that hung up, given to the abort reason so it is logged as such',
};

function typeScriptFiles(directory: string): string[] {
  return readdirSync(join(repoRoot, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Each quoted all-capitals string of a file, with whether it is assigned to a `code`. */
function quotedCodes(text: string): { literal: string; assignedToCode: boolean; line: number }[] {
  return [...text.matchAll(/(\bcode\s*[:=]\s*)?(['"])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)\2/g)].map((match) => ({
    literal: match[3]!,
    assignedToCode: match[1] !== undefined,
    line: text.slice(0, match.index).split('\n').length,
  }));
}

/** Where a source names a client code as a string, or sets a `code` the registry and the internal list do not know. */
function strayCodes(): string[] {
  const registered = new Set<string>(Object.keys(ERROR_CODES));
  return SOURCE_DIRECTORIES.flatMap(typeScriptFiles).filter((path) => path !== REGISTRY).flatMap((path) => {
    const text = readFileSync(join(repoRoot, path), 'utf8');
    return quotedCodes(text)
      .filter(({ literal, assignedToCode }) => registered.has(literal) || (assignedToCode && !(literal in INTERNAL_CODES)))
      .map(({ literal, line }) => `${path}:${line}: '${literal}'`);
  });
}

describe('error codes', () => {
  it('the README\'s Error codes table lists exactly the registry\'s codes', () => {
    const documented = [...documentedCodes().keys()].sort();
    assert.deepEqual(documented, Object.keys(ERROR_CODES).sort());
  });

  it('the README gives each code the registry\'s HTTP statuses', () => {
    const documented = documentedCodes();
    for (const [code, { statuses }] of Object.entries(ERROR_CODES)) {
      assert.deepEqual([...documented.get(code) ?? []].sort(), [...statuses].sort(), code);
    }
  });

  it('a code is raised with the first of its statuses and named by itself', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      assert.equal(Code[code], code);
      assert.equal(httpStatus(code), ERROR_CODES[code].statuses[0], code);
    }
    assert.equal(httpStatus(Code.PAYLOAD_TOO_LARGE), 413);
    assert.equal(httpStatus(Code.INTERNAL_SERVER_ERROR), 500);
  });

  it('no source spells out a client code instead of taking it from the registry', () => {
    assert.deepEqual(strayCodes(), []);
  });

  it('the internal codes are not client codes', () => {
    for (const code of Object.keys(INTERNAL_CODES)) assert.ok(!(code in ERROR_CODES), code);
  });

  it('the source scan finds a code spelt out, and an unknown code set', () => {
    const found = quotedCodes(`throw new HttpError('BAD_REQUEST', 'x'); const e = { code: 'NO_SUCH_THING' }; class E { readonly code = "BAD_CONFIG"; } const m = 'a message';`);
    assert.deepEqual(found.map(({ literal, assignedToCode }) => [literal, assignedToCode]), [['BAD_REQUEST', false], ['NO_SUCH_THING', true], ['BAD_CONFIG', true]]);
  });
});
