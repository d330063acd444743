/** Opens the three legacy sources, read-only, and wraps each in its agency's connector. */
import type { Knex } from 'knex';
import { EmploymentService } from '../connectors/employment-service/connector.js';
import { PopulationRegister } from '../connectors/population-register/connector.js';
import { Source, type SourceName, type SourceObserver } from '../connectors/shared/source.js';
import { SocialInsurance } from '../connectors/social-insurance/connector.js';
import type { Config } from './config.js';
import { openDatabase } from './db.js';

export interface Connectors {
  populationRegister: PopulationRegister;
  socialInsurance: SocialInsurance;
  employmentService: EmploymentService;
}

export const SOURCE_NAMES: readonly SourceName[] = ['populationRegister', 'socialInsurance', 'employmentService'];

export interface OpenSources {
  databases: Record<SourceName, Knex>;
  sources: Record<SourceName, Source>;
  connectors: Connectors;
}

/** Each source gets its own pool, statement timeout and circuit breaker, as configured. */
export function openSources(config: Config, observer?: SourceObserver): OpenSources {
  const open = (name: SourceName) => {
    const { url, poolMax, statementTimeoutMs, circuitBreaker } = config.sources[name];
    const db = openDatabase(url, { readOnly: true, poolMax, connectTimeoutMs: statementTimeoutMs });
    return new Source(name, db, { statementTimeoutMs, ...circuitBreaker }, observer);
  };
  const sources = { populationRegister: open('populationRegister'), socialInsurance: open('socialInsurance'), employmentService: open('employmentService') };
  return {
    sources,
    databases: { populationRegister: sources.populationRegister.db, socialInsurance: sources.socialInsurance.db, employmentService: sources.employmentService.db },
    connectors: {
      populationRegister: new PopulationRegister(sources.populationRegister),
      socialInsurance: new SocialInsurance(sources.socialInsurance),
      employmentService: new EmploymentService(sources.employmentService),
    },
  };
}
