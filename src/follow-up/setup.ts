/** The follow-up's rules from the configuration, and the register of persons it asks: for the server and the CLI. */
import type { Knex } from 'knex';
import { SOURCE_MODULES } from '../../sources/registry.js';
import type { Config } from '../config.js';
import { DataQualityCollector } from '../context.js';
import type { PersonRecord } from '../core/source-module.js';
import type { Source } from '../core/source.js';
import type { FollowUpRules } from './rules.js';
import { workingHoursOf, type RegisterFacts } from './worker.js';

export function followUpRules(config: Config): FollowUpRules {
  return {
    workingHours: workingHoursOf(config.followUp.workingHours),
    purposesRequiringCaseReference: config.followUp.purposesRequiringCaseReference,
    volume: config.followUp.volume,
  };
}

/**
 * The register of persons, for the rules that need it (relatives and household, protected identities), when this
 * process has it; fresh loaders for each round, so nothing is remembered between them.
 */
export function registerFacts(handles: Readonly<Record<string, Source>>, configured: Readonly<Record<string, Knex>>): (() => RegisterFacts) | null {
  const register = SOURCE_MODULES.find((module) => module.people !== undefined)!;
  if (configured[register.name] === undefined) return null;
  return () => {
    const loaders = register.createLoaders({ source: handles[register.name]!, dataQuality: new DataQualityCollector(), options: { batched: true }, principal: null });
    const person = register.people!.person(loaders);
    return {
      closeness: (reader, others) => register.people!.closeness(loaders, reader, others),
      async protectedAmong(persons) {
        const records = await person.loadMany([...persons]);
        const failed = records.find((record): record is Error => record instanceof Error);
        if (failed) throw failed;
        return new Set(persons.filter((_, i) => {
          const record = records[i] as PersonRecord | null;
          return record !== null && record.protectedIdentity !== 'NONE';
        }));
      },
    };
  };
}
