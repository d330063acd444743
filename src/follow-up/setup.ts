/** The follow-up's rules from the configuration, and the register of persons it asks: for the server and the CLI. */
import { SOURCE_MODULES } from '../../sources/registry.js';
import type { Config } from '../config.js';
import { DataQualityCollector } from '../context.js';
import type { PersonRecord } from '../core/source-module.js';
import { Source } from '../core/source.js';
import { openDatabase } from '../core/db.js';
import type { FollowUpRules } from './rules.js';
import { workingHoursOf, type RegisterFacts } from './worker.js';

export function followUpRules(config: Config): FollowUpRules {
  return {
    workingHours: workingHoursOf(config.followUp.workingHours),
    purposesRequiringCaseReference: config.followUp.purposesRequiringCaseReference,
    volume: config.followUp.volume,
  };
}

/** The register of persons as the follow-up asks it, on a pool of its own; null where this process has no register. */
export interface FollowUpRegister {
  facts: () => RegisterFacts;
  close(): Promise<void>;
}

/**
 * The register of persons, for the rules that need it (relatives and household, protected identities), when the
 * configuration names it: a small read-only pool of the follow-up's own, so that its lookups never wait for (or
 * hold) a connection the requests need, and are no part of the requests' statement statistics. Fresh loaders for
 * each round: nothing is remembered between them.
 */
export function openFollowUpRegister(config: Config): FollowUpRegister | null {
  const register = SOURCE_MODULES.find((module) => module.people !== undefined)!;
  const configured = config.sources[register.name];
  if (configured === undefined) return null;
  const db = openDatabase(configured.url, { readOnly: true, poolMax: FOLLOW_UP_CONNECTIONS, connectTimeoutMs: configured.statementTimeoutMs });
  const source = new Source(register.name, db, { statementTimeoutMs: configured.statementTimeoutMs, ...configured.circuitBreaker });
  return {
    facts: () => {
      const loaders = register.createLoaders({ source, dataQuality: new DataQualityCollector(), options: { batched: true }, principal: null });
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
    },
    async close() {
      source.shutdown();
      await db.destroy();
    },
  };
}

/** The follow-up's rounds run one at a time: two connections cover a round's lookups running side by side. */
const FOLLOW_UP_CONNECTIONS = 2;
