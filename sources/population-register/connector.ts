/** The population register (SKV): every SQL statement samgraf runs against FB_PERSON and FB_RELATION. */
import DataLoader from 'dataloader';
import type { Knex } from 'knex';
import type { Citizen, Relation } from './types.js';
import { hasScope } from '../../src/core/principal.js';
import type { LoaderRequest } from '../../src/core/source-module.js';
import { groupInKeyOrder, loaderSettings, type DataQualitySink, Source } from '../../src/core/source.js';
import { mapPerson, mapRelation } from './mapping.js';
import type { FbPersonRow, FbRelationRow } from './tables.js';

const PERSON_COLUMNS = [
  'PERSONID', 'FORNAMN', 'TILLTALSNAMN', 'MELLANNAMN', 'EFTERNAMN', 'KON', 'SEKRETESS', 'SKYDDAD_FB',
  'UTDELNINGSADRESS', 'POSTNR', 'POSTORT', 'KOMMUNKOD', 'LANKOD', 'FOLKBOKFORINGSDATUM', 'AVREG_ORSAK', 'AVREG_DATUM',
  'SENAST_ANDRAD',
] as const;

/** The statements keyed by personal numbers: their SQL is built once per number of keys (statement-text.ts). */
const CITIZENS = (db: Knex, numbers: readonly string[]) => db('FB_PERSON').select(PERSON_COLUMNS).whereIn('PERSONID', numbers);
const RELATIONS = (db: Knex, numbers: readonly string[]) => db('FB_RELATION').select('PERSONID', 'RELID', 'RELTYP').whereIn('PERSONID', numbers)
  .orderBy([{ column: 'PERSONID' }, { column: 'RELTYP' }, { column: 'RELID' }]);

export interface MunicipalityPage {
  citizens: Citizen[];
  hasMore: boolean;
  lastNumber: string | null;
}

export class PopulationRegister {
  constructor(readonly source: Source) {}

  async citizensByNumber(personalNumbers: readonly string[], sink: DataQualitySink): Promise<(Citizen | null)[]> {
    const rows = await this.source.select<FbPersonRow, [readonly string[]]>(CITIZENS, personalNumbers);
    const citizens = this.mapPersons(rows, sink);
    const byNumber = new Map(citizens.map((citizen) => [citizen.personalNumber, citizen]));
    return personalNumbers.map((pnr) => byNumber.get(pnr) ?? null);
  }

  async relationsByNumber(personalNumbers: readonly string[], sink: DataQualitySink): Promise<Relation[][]> {
    const rows = await this.source.select<FbRelationRow, [readonly string[]]>(RELATIONS, personalNumbers);
    const relations = this.source.mapRows(rows, 'FB_RELATION', () => undefined, mapRelation, sink);
    return groupInKeyOrder(personalNumbers, relations, (r) => r.personalNumber).map((group) => group.map((r) => r.relation));
  }

  /**
   * One page of the people registered in a municipality, in personal-number order, after `afterNumber`.
   * Without `withProtected` the statement itself leaves out people with a protected identity: being listed
   * would place them in the municipality, and leaving them out afterwards would shorten pages and move cursors.
   */
  async citizensInMunicipality(code: string, afterNumber: string | null, limit: number, withProtected: boolean, sink: DataQualitySink): Promise<MunicipalityPage> {
    const rows = await this.source.select<FbPersonRow>((db) => {
      const query = db('FB_PERSON').select(PERSON_COLUMNS).where('KOMMUNKOD', code).orderBy('PERSONID').limit(limit + 1);
      if (!withProtected) {
        // As mapPerson reads the flags: protected when either, trimmed, is J (NULL is none).
        for (const flag of ['SEKRETESS', 'SKYDDAD_FB']) query.andWhereRaw(`COALESCE(TRIM(??), '') <> 'J'`, [flag]);
      }
      return afterNumber === null ? query : query.andWhere('PERSONID', '>', afterNumber);
    });
    const page = rows.slice(0, limit);
    return {
      citizens: this.mapPersons(page, sink),
      hasMore: rows.length > limit,
      // The cursor follows the rows read, so a row left out as unmappable does not repeat on the next page.
      lastNumber: page.at(-1)?.PERSONID.trim() ?? afterNumber,
    };
  }

  private mapPersons(rows: readonly FbPersonRow[], sink: DataQualitySink): Citizen[] {
    // FB_PERSON's key is a personal number, so a failing row is reported without its key.
    return this.source.mapRows(rows, 'FB_PERSON', () => undefined, mapPerson, sink);
  }
}

export interface PopulationRegisterLoaders {
  /** Citizens by 12-digit number, without row restrictions: security withholds those out of the caller's sight. */
  citizen: DataLoader<string, Citizen | null>;
  relations: DataLoader<string, Relation[]>;
  /**
   * Not batched: one page is one statement already. The page holds only people the caller may see: their
   * municipality's residents (protected ones only with `citizen:protected:read`), or a citizen themself.
   */
  municipalityPage(code: string, afterNumber: string | null, limit: number): Promise<MunicipalityPage>;
}

export function createPopulationRegisterLoaders({ source, dataQuality: sink, options, principal }: LoaderRequest): PopulationRegisterLoaders {
  const register = new PopulationRegister(source);
  const citizen = new DataLoader<string, Citizen | null>((keys) => register.citizensByNumber(keys, sink), loaderSettings(options));
  const listsProtected = hasScope(principal, 'citizen:protected:read');
  const nobody: MunicipalityPage = { citizens: [], hasMore: false, lastNumber: null };
  return {
    citizen,
    relations: new DataLoader((keys) => register.relationsByNumber(keys, sink), loaderSettings(options)),
    async municipalityPage(code, afterNumber, limit) {
      if (principal?.type === 'CITIZEN') {
        // A citizen's listing holds at most themself; paging past others would reveal their numbers in cursors.
        const self = await citizen.load(principal.subject);
        const listed = self !== null && self.municipalityCode === code && (afterNumber === null || self.personalNumber > afterNumber) && limit > 0;
        return listed ? { citizens: [self], hasMore: false, lastNumber: self.personalNumber } : nobody;
      }
      // A principal bound to a municipality sees its own, or (any other code) nothing.
      if (principal?.municipality != null && principal.municipality !== code) return nobody;
      return register.citizensInMunicipality(code, afterNumber, limit, listsProtected, sink);
    },
  };
}
