/**
 * What every resolver gets: who is asking and why, a fresh set of DataLoaders per request (row-restricted
 * for principals bound to a municipality or to themselves), and what the request has denied, masked and
 * found wrong in the legacy data.
 */
import { createEmploymentServiceLoaders, type EmploymentServiceLoaders } from '../connectors/employment-service/connector.js';
import { createPopulationRegisterLoaders, type PopulationRegisterLoaders } from '../connectors/population-register/connector.js';
import type { DataQualityFinding, DataQualitySink } from '../connectors/shared/source.js';
import { createSocialInsuranceLoaders, type SocialInsuranceLoaders } from '../connectors/social-insurance/connector.js';
import type { Principal } from './security/principal.js';
import { isRowRestricted, restrictRows } from './security/rows.js';
import type { Connectors } from './sources.js';

export interface Loaders {
  populationRegister: PopulationRegisterLoaders;
  socialInsurance: SocialInsuranceLoaders;
  employmentService: EmploymentServiceLoaders;
}

/** What the caller said about the request, beyond credentials. */
export interface RequestDeclarations {
  purposeHeader: string | undefined;
  legalBasis: string | null;
  caseReference: string | null;
}

export interface RequestContext {
  requestId: string;
  principal: Principal | null;
  declarations: RequestDeclarations;
  /** Set once the operation is known to read personal data and its purpose is accepted. */
  purpose: string | null;
  loaders: Loaders;
  access: AccessRecord;
  dataQuality: DataQualityCollector;
}

export class DataQualityCollector implements DataQualitySink {
  readonly findings: DataQualityFinding[] = [];
  report(finding: DataQualityFinding): void {
    this.findings.push(finding);
  }
}

/** Fields (`Type.field`) the request was refused or had masked. */
export class AccessRecord {
  readonly deniedFields = new Set<string>();
  readonly maskedFields = new Set<string>();
  denied(coordinate: string): void {
    this.deniedFields.add(coordinate);
  }
  masked(coordinate: string): void {
    this.maskedFields.add(coordinate);
  }
}

export function createRequestContext(connectors: Connectors, requestId: string, principal: Principal | null, declarations: RequestDeclarations): RequestContext {
  const dataQuality = new DataQualityCollector();
  const loaders: Loaders = {
    populationRegister: createPopulationRegisterLoaders(connectors.populationRegister, dataQuality),
    socialInsurance: createSocialInsuranceLoaders(connectors.socialInsurance, dataQuality),
    employmentService: createEmploymentServiceLoaders(connectors.employmentService, dataQuality),
  };
  return {
    requestId,
    principal,
    declarations,
    purpose: null,
    loaders: principal !== null && isRowRestricted(principal) ? restrictRows(loaders, principal) : loaders,
    access: new AccessRecord(),
    dataQuality,
  };
}
