/**
 * Which agency owns each kind of record, for the `own-agency` policy: every object type a source module's SDL
 * defines (not merely extends) belongs to that module's agency.
 */
import { Kind, parse } from 'graphql';
import { SOURCE_MODULES } from '../../sources/registry.js';
import type { SourceModule } from '../core/source-module.js';

/** Type name → agency code. */
export type RecordOwners = ReadonlyMap<string, string>;

export function recordOwners(modules: readonly SourceModule[] = SOURCE_MODULES): RecordOwners {
  const owners = new Map<string, string>();
  for (const module of modules) {
    for (const definition of parse(module.typeDefs).definitions) {
      if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) owners.set(definition.name.value, module.agency);
    }
  }
  return owners;
}
