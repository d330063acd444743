/**
 * What every resolver gets: who is asking and why, a fresh set of DataLoaders per request (row-restricted
 * for principals bound to a municipality or to themselves), and what the request has denied, masked and
 * found wrong in the legacy data.
 */
import { createEmploymentServiceLoaders, type EmploymentServiceLoaders } from '../connectors/employment-service/connector.js';
import { createPopulationRegisterLoaders, type PopulationRegisterLoaders } from '../connectors/population-register/connector.js';
import type { DataQualityFinding, DataQualitySink, LoaderOptions } from '../connectors/shared/source.js';
import { createSocialInsuranceLoaders, type SocialInsuranceLoaders } from '../connectors/social-insurance/connector.js';
import type { ChainVerifier } from './access-log/chain-status.js';
import type { AccessLogReader } from './access-log/reader.js';
import { AccessRecord } from './access-log/record.js';
import type { CursorCodec } from './cursor.js';
import type { SentOperation } from './plugins/request-log.js';
import { hasScope, type Principal } from './security/principal.js';
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
  accessLog: AccessLogReader;
  /** Verifies the access log's hash chains (`auditChains`). */
  chains: ChainVerifier;
  /** Seals and opens the `after` cursors of every paginated list. */
  cursors: CursorCodec;
  principal: Principal | null;
  declarations: RequestDeclarations;
  /** Set once the operation is known to select a personal-data root field: its event is then written. */
  readsPersonalData: boolean;
  /** Set once the purpose is accepted. */
  purpose: string | null;
  /** The personal numbers the operation's arguments name, sorted; set before the purpose is checked. */
  subjectsRequested: readonly string[];
  loaders: Loaders;
  access: AccessRecord;
  dataQuality: DataQualityCollector;
  /**
   * Filled as the response is sent, for the request's log line (plugins/request-log.ts). An object of its own:
   * Apollo executes on a shallow copy of the context, so a field set there would not reach the HTTP layer.
   */
  requestLog: { sent: SentOperation | null };
}

export class DataQualityCollector implements DataQualitySink {
  readonly findings: DataQualityFinding[] = [];
  report(finding: DataQualityFinding): void {
    this.findings.push(finding);
  }
}

export interface Services {
  connectors: Connectors;
  accessLog: AccessLogReader;
  chains: ChainVerifier;
  cursors: CursorCodec;
  loaders: LoaderOptions;
}

export function createRequestContext({ connectors, accessLog, chains, cursors, loaders: loaderOptions }: Services, requestId: string, principal: Principal | null, declarations: RequestDeclarations): RequestContext {
  const dataQuality = new DataQualityCollector();
  const access = new AccessRecord();
  const loaders: Loaders = {
    populationRegister: createPopulationRegisterLoaders(connectors.populationRegister, dataQuality, hasScope(principal, 'citizen:protected:read'), loaderOptions),
    socialInsurance: createSocialInsuranceLoaders(connectors.socialInsurance, dataQuality, loaderOptions),
    employmentService: createEmploymentServiceLoaders(connectors.employmentService, dataQuality, loaderOptions),
  };
  return {
    requestId,
    accessLog,
    chains,
    cursors,
    principal,
    declarations,
    readsPersonalData: false,
    purpose: null,
    subjectsRequested: [],
    loaders: principal !== null && isRowRestricted(principal) ? restrictRows(loaders, principal, access) : loaders,
    access,
    dataQuality,
    requestLog: { sent: null },
  };
}
