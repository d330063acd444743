/** `samgraf policy matrix`: every type and field with who may read it, read from the SDL itself. */
import type { GraphQLSchema } from 'graphql';
import { buildDeclaredSchema } from '../schema.js';
import { readPersonalData } from '../security/personal-data.js';
import { POLICIES, readFieldRules, type FieldRule } from '../security/rules.js';
// The same wording as the rules line of each field's description, which the IDE's docs show.
import { allOf as describeAll, MASKED_NOTE, PERSONAL_ROOT_NOTE } from '../security/rules-text.js';

/** A field rule, named by its coordinate as `field`. */
export type MatrixRow = Omit<FieldRule, 'coordinate'> & {
  field: string;
  /** A root field whose result can reach personal data: a purpose is required and every use is access-logged. */
  personalData: boolean;
};

/** The single server's schema by default; a supergraph's (src/federation/supergraph.ts) gives a federation's. */
export function policyMatrix(schema: GraphQLSchema = buildDeclaredSchema()): MatrixRow[] {
  const rules = readFieldRules(schema);
  const { personalRootFields } = readPersonalData(schema);
  return [...rules.values()]
    .sort((a, b) => a.coordinate.localeCompare(b.coordinate))
    .map(({ coordinate, ...rule }) => ({ field: coordinate, ...rule, personalData: personalRootFields.has(coordinate) }));
}

export function formatMatrix(rows: readonly MatrixRow[]): string {
  const header = ['field', 'scopes', 'policies', 'notes'];
  const lines = rows.map((row) => [
    row.field,
    describeAll(row.scopes) === '-' ? 'any authenticated' : describeAll(row.scopes),
    describeAll(row.policies),
    [row.maskedWhenProtected ? MASKED_NOTE : '', row.personalData ? PERSONAL_ROOT_NOTE : '']
      .filter(Boolean).join('; ') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const render = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  const legend = Object.entries(POLICIES).map(([name, policy]) => `  ${name}: ${policy.description}`).join('\n');
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render), '', 'policies:', legend,
    '  citizens hold the read scopes for their own rows only; rows are also restricted by a principal\'s municipality.', ''].join('\n');
}
