/** What every resolver gets: a fresh set of DataLoaders per request, and the request's data-quality findings. */
import { createEmploymentServiceLoaders, type EmploymentServiceLoaders } from '../connectors/employment-service/connector.js';
import { createPopulationRegisterLoaders, type PopulationRegisterLoaders } from '../connectors/population-register/connector.js';
import type { DataQualityFinding, DataQualitySink } from '../connectors/shared/source.js';
import { createSocialInsuranceLoaders, type SocialInsuranceLoaders } from '../connectors/social-insurance/connector.js';
import type { Connectors } from './sources.js';

export interface Loaders {
  populationRegister: PopulationRegisterLoaders;
  socialInsurance: SocialInsuranceLoaders;
  employmentService: EmploymentServiceLoaders;
}

export interface RequestContext {
  requestId: string;
  connectors: Connectors;
  loaders: Loaders;
  dataQuality: DataQualityCollector;
}

export class DataQualityCollector implements DataQualitySink {
  readonly findings: DataQualityFinding[] = [];
  report(finding: DataQualityFinding): void {
    this.findings.push(finding);
  }
}

export function createRequestContext(connectors: Connectors, requestId: string): RequestContext {
  const dataQuality = new DataQualityCollector();
  return {
    requestId,
    connectors,
    dataQuality,
    loaders: {
      populationRegister: createPopulationRegisterLoaders(connectors.populationRegister, dataQuality),
      socialInsurance: createSocialInsuranceLoaders(connectors.socialInsurance, dataQuality),
      employmentService: createEmploymentServiceLoaders(connectors.employmentService, dataQuality),
    },
  };
}
