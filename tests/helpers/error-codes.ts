/** The README's "Error codes" table, which every client-visible code must be listed in. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo.js';

/** The README's "Error codes" table: code → the HTTP statuses it lists. */
export function documentedCodes(): Map<string, Set<number>> {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.search(/^## Error codes\s*$/m);
  assert.ok(start >= 0, 'the README has an "Error codes" section');
  const section = readme.slice(start).split(/\n## /)[0]!.split('\n').slice(1).join('\n');
  const codes = new Map<string, Set<number>>();
  for (const line of section.split('\n')) {
    const row = /^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|([^|]*)\|/.exec(line);
    if (row) codes.set(row[1]!, new Set((row[2]!.match(/\b[1-5]\d\d\b/g) ?? []).map(Number)));
  }
  assert.ok(codes.size >= 5, `the Error codes table lists codes: ${[...codes.keys()].join(', ')}`);
  return codes;
}
