/** Opens the three legacy sources, read-only, and wraps each in its agency's connector. */
import type { Knex } from 'knex';
import { EmploymentService } from '../connectors/employment-service/connector.js';
import { PopulationRegister } from '../connectors/population-register/connector.js';
import { Source, type SourceName } from '../connectors/shared/source.js';
import { SocialInsurance } from '../connectors/social-insurance/connector.js';
import type { Config } from './config.js';
import { openDatabase } from './db.js';

export interface Connectors {
  populationRegister: PopulationRegister;
  socialInsurance: SocialInsurance;
  employmentService: EmploymentService;
}

export const SOURCE_NAMES: readonly SourceName[] = ['populationRegister', 'socialInsurance', 'employmentService'];

export function connectorsFor(databases: Record<SourceName, Knex>): Connectors {
  return {
    populationRegister: new PopulationRegister(new Source('populationRegister', databases.populationRegister)),
    socialInsurance: new SocialInsurance(new Source('socialInsurance', databases.socialInsurance)),
    employmentService: new EmploymentService(new Source('employmentService', databases.employmentService)),
  };
}

export function openSourceDatabases(config: Config): Record<SourceName, Knex> {
  return {
    populationRegister: openDatabase(config.sources.populationRegister.url, { readOnly: true }),
    socialInsurance: openDatabase(config.sources.socialInsurance.url, { readOnly: true }),
    employmentService: openDatabase(config.sources.employmentService.url, { readOnly: true }),
  };
}
