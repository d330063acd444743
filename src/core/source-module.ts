/**
 * The source module: everything one agency's legacy database needs, behind one typed object. A module lives in
 * `sources/<folder>/`, imports only `src/core`, and is listed once in `sources/registry.ts`; the server,
 * schema, security, access log, seed, demo, config, CLI, console and benchmark iterate over that registry and
 * never name a source.
 *
 * The security facts of a module are declared, not tabulated elsewhere:
 * - in its SDL: field rules (`@requiresScopes`, `@policy`, `@authenticated`, `@maskedWhenProtected`), which types
 *   are one person's data and in which access-log category (`@personalData`, `@category`), and which arguments
 *   name a person (`@personalNumber`);
 * - here: the agency that owns the types its SDL defines (for the `own-agency` policy) and the scopes its rules
 *   use (with whether a citizen holds them for their own data).
 * `src/schema.ts` checks both when it builds the schema and refuses a module that leaves one out.
 */
import type DataLoader from 'dataloader';
import type { Knex } from 'knex';
import type { CursorCodec } from './cursor.js';
import type { TableCharset } from './ddl.js';
import type { Dialect } from './db.js';
import type { ChangeFeed } from './life-events.js';
import type { Principal } from './principal.js';
import type { DataQualitySink, LoaderOptions, Source } from './source.js';
import type { SeedWorld, LegacyChunk } from './seed/world.js';

/** The categories the access log records what was read of a person in: `DataCategory` in base.graphql. */
export type { DataCategory } from './generated/schema-types.js';

/** A scope a module's field rules use. */
export interface ScopeDeclaration {
  name: string;
  /** What it lets a caller read, for `samgraf policy matrix` and the README. */
  description: string;
  /**
   * Whether a citizen holds it for their own data (rows are filtered to themself and `self` holds on every
   * object they reach). Scopes for an agency's internal work (e.g. case notes) are false.
   */
  citizen: boolean;
}

/** Who a person is, as row restrictions and masking need it: the population register's facts. */
export interface PersonRecord {
  personalNumber: string;
  /** Null where the register has none (the person is then in no municipality's rows). */
  municipalityCode: string | null;
  protectedIdentity: 'NONE' | 'CONFIDENTIALITY_MARKING' | 'PROTECTED_REGISTRATION';
}

/**
 * An object that leads to another person (a relation): a field that is `@maskedWhenProtected` leaves out the
 * links to protected persons for a caller without `citizen:protected:read`.
 */
export interface PersonLink {
  /** The linked person's 12-digit number. */
  linkedPersonalNumber: string;
}

/**
 * The register of persons that the other modules link to and security consults: a module that is one
 * (`people`) serves it from its own loaders.
 */
export interface PersonDirectory {
  /** The GraphQL type whose objects are persons (their objects are PersonRecords themselves). */
  typeName: string;
  /** Persons by 12-digit number, without row restrictions: security decides what the caller sees of them. */
  person: DataLoader<string, PersonRecord | null>;
}

/** What a module's resolvers get from the request context (the server's context extends it). */
export interface ModuleContext {
  principal: Principal | null;
  /** Seals and opens the `after` cursors of paginated lists. */
  cursors: CursorCodec;
  dataQuality: DataQualitySink;
  /** Each module's loaders under its name; a module reads its own with `loadersOf`. */
  loaders: Readonly<Record<string, unknown>>;
  people: PersonDirectory;
}

/**
 * Legacy rows that no request can reach because they name no person (a payee without a Swedish number): they
 * are never served, so they are counted at start, as data-quality findings, rather than lost silently.
 */
export interface UnlinkableRows {
  table: string;
  column: string;
  problem: string;
  count: number;
}

/** What a module's loaders are made from, once per request. */
export interface LoaderRequest {
  source: Source;
  dataQuality: DataQualitySink;
  options: LoaderOptions;
  principal: Principal | null;
}

/**
 * How a module fills its tables with generated data (demo, tests, benchmark) from the shared people
 * (src/core/seed/world.ts). The rows depend on the world alone: the same world gives byte-identical rows, drawn
 * from SeededRandom streams named for the module (never Math.random or the clock), so that no module's draws
 * shift another's. Values are strings, safe integers, booleans and nulls; a time with a zone is text with its
 * offset, so every database stores the same instant.
 */
export interface SeedGenerator {
  /** Insert column order per table (every table the module fills): every column, so explicit ids are kept. */
  readonly columns: Readonly<Record<string, readonly string[]>>;
  /**
   * The module's rows for the world's people, in chunks of at most `chunkRows` (only the grouping depends on
   * it). Each call starts afresh and gives the same chunks.
   */
  chunks(world: SeedWorld, chunkRows: number): Iterable<LegacyChunk>;
}

export interface SourceModule<Loaders = unknown> {
  /** The config key (`sources.<name>`), and the source's name in errors, metrics and logs. */
  readonly name: string;
  /** The agency that owns the records: `SKV`, `FK`, `AF`. */
  readonly agency: string;
  /** For people: "Income register (Skatteverket)". */
  readonly title: string;
  /** The module's SDL: the types it owns and its extensions of others'. */
  readonly typeDefs: string;
  readonly resolvers: Readonly<Record<string, unknown>>;
  readonly scopes: readonly ScopeDeclaration[];
  /**
   * Whether a deployment must configure it. A source added after the first release may be left out: its fields
   * then answer SOURCE_UNAVAILABLE naming it, and everything else is served.
   */
  readonly required: boolean;
  /** The database the agency runs it on; the demo runs every source on SQLite. */
  readonly dialect: Exclude<Dialect, 'sqlite'>;
  /** The default character set of the agency's MySQL database (ours when we create it). */
  readonly charset?: TableCharset;
  /** (Re)creates the legacy tables, written from legacy-sources.md, for demo, tests and benchmark. */
  createTables(db: Knex): Promise<void>;
  readonly seed: SeedGenerator;
  createLoaders(request: LoaderRequest): Loaders;
  /** Counts the rows of the module's tables that no request can reach (run once at start). */
  unlinkableRows?(source: Source): Promise<UnlinkableRows[]>;
  /**
   * The tables whose changes make life events, and the rules that derive them (src/core/life-events.ts). A module
   * without it makes none.
   */
  readonly changes?: ChangeFeed;
  /** Set by the module that is the register of persons: its person type, and persons from its loaders. */
  readonly people?: {
    readonly typeName: string;
    person(loaders: Loaders): PersonDirectory['person'];
    /**
     * Which of `others` are close to `person` — relatives, or registered at the same address — for the access
     * log's follow-up (src/follow-up). Batched through the loaders.
     */
    closeness(loaders: Loaders, person: string, others: readonly string[]): Promise<ReadonlyMap<string, Closeness>>;
  };
}

/** How one person is close to another in the register of persons: a relative of theirs, or of their household. */
export type Closeness = 'SPOUSE' | 'CHILD' | 'GUARDIAN' | 'HOUSEHOLD';

/** A module's own loaders, from the request context. */
export function loadersOf<Loaders>(ctx: ModuleContext, module: { name: string }): Loaders {
  return ctx.loaders[module.name] as Loaders;
}
