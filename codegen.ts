/**
 * graphql-codegen: TypeScript types from the SDL the server serves, so that resolvers and the console's
 * operations cannot drift from the schema. `npm run codegen` writes them; the files are committed, and
 * tests/codegen.test.ts fails when one is not what codegen makes of the SDL now (an SDL change without
 * regenerating). Nothing here goes to the network: the SDL is read from files, the documents plucked from sources.
 *
 * Where the outputs go follows the layers (src/core ← modules ← server), which generated files must obey too:
 * - `src/core/generated/schema-types.ts`: the whole schema's object types, enums, inputs and argument types. No
 *   resolvers and no mappers, so it imports nothing and is core: every layer may use it. Object fields are
 *   required (`field: Maybe<T>`), so a domain type built from one must supply every field the schema serves;
 *   and read-only, so a resolver may return read-only data.
 * - `sources/<folder>/generated.ts`, one per module: its resolver types (`Resolvers`), with the module's own
 *   domain objects as mappers and `ModuleContext` as context. It imports core and its own folder only, so the
 *   mappers can point at the module's types without core ever pointing up. Each module's file types the whole
 *   schema's resolvers, but the module fills in only its own.
 * - `src/security/generated.ts`, `src/access-log/generated.ts`: the same for samgraf's own resolvers, with the
 *   server's `RequestContext`.
 * - `console/app/src/generated.ts`: results and variables of the console's operations, with the enums, inputs
 *   and scalars they use; self-contained, like the browser bundle it goes into.
 *
 * A new source module needs nothing here. Its `sources/<folder>/schema.graphql` joins the schema through the
 * glob, and rerunning codegen writes its `generated.ts` beside it. A type its SDL defines is mapped to its domain
 * object when its `types.ts` declares a type of the same name (declare one where the domain differs from the
 * GraphQL shape, e.g. carries the person's number; re-export the generated type where it does not). A type it
 * extends is the person type (only the register of persons defines it, the others extend it; see
 * src/schema.ts), whose objects reach a module as core's `PersonRecord`. Its resolvers are typed
 * `Resolvers` from its `generated.ts`. A scalar it adds needs a line in SCALARS (codegen refuses an unmapped one).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { Kind, parse } from 'graphql';
import ts from 'typescript';

/** samgraf's own SDL around the modules', as src/schema.ts assembles it (tests/codegen.test.ts compares the two). */
const CORE_SDL = ['src/core/base.graphql', 'src/security/principal.graphql'];
const ACCESS_LOG_SDL = 'src/access-log/schema.graphql';
const SOURCES_DIR = 'sources';
const CORE_TYPES = 'src/core/generated/schema-types.ts';
const CONSOLE_OPERATIONS = 'console/app/src/generated.ts';
/** The console's documents: template literals marked `/* GraphQL *\/`. */
const CONSOLE_DOCUMENTS = 'console/app/src/**/*.{ts,tsx}';

/** Every custom scalar travels as a string: connectors produce the ISO text, the scalars only check it. */
const SCALARS = { Date: 'string', DateTime: 'string', YearMonth: 'string' };

/** samgraf's own resolvers: not source modules, so their mappers are named here. */
const SAMGRAF_RESOLVERS: readonly ResolverSet[] = [
  { dir: 'src/security', context: '../context.js#RequestContext', mappers: {} },
  {
    dir: 'src/access-log',
    context: '../context.js#RequestContext',
    mappers: {
      AuditEvent: './event.js#AuditEvent',
      AccessLogEntry: './reader.js#CitizenLogEntry',
      AuditChainReport: './chain-status.js#ChainReport',
      AuditChainStatus: './chain-status.js#ChainStatus',
      AuditChainBreak: './chain-status.js#ChainBreak',
      AuditFinding: '../follow-up/store.js#FindingRow',
      FindingReview: '../follow-up/store.js#ReviewRow',
    },
  },
];

/** A folder whose resolvers get a generated.ts: where, their context and their mappers (paths from the folder). */
interface ResolverSet {
  dir: string;
  context: string;
  mappers: Record<string, string>;
}

/** The source modules: every folder of sources/ that has a schema.graphql (what a glob `sources/<folder>/schema.graphql` finds). */
export function moduleFolders(root: string): string[] {
  return readdirSync(join(root, SOURCES_DIR), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, SOURCES_DIR, entry.name, 'schema.graphql')))
    .map((entry) => entry.name)
    .sort();
}

/** The SDL files the server serves (src/schema.ts; the order aside, as codegen sorts the types). */
export function schemaFiles(root: string): string[] {
  return [...CORE_SDL, ...moduleFolders(root).map((folder) => `${SOURCES_DIR}/${folder}/schema.graphql`), ACCESS_LOG_SDL];
}

/** Object types an SDL defines and those it extends (the root Query aside: it has no parent object). */
function objectTypesOf(sdl: string): { defined: string[]; extended: string[] } {
  const defined: string[] = [];
  const extended: string[] = [];
  for (const definition of parse(sdl).definitions) {
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) defined.push(definition.name.value);
    else if (definition.kind === Kind.OBJECT_TYPE_EXTENSION && definition.name.value !== 'Query') extended.push(definition.name.value);
  }
  return { defined, extended };
}

/** Names of the interfaces and type aliases a file declares and exports (re-exports are not its own). */
function declaredTypes(file: string): Set<string> {
  if (!existsSync(file)) return new Set();
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const names = source.statements
    .filter((statement): statement is ts.InterfaceDeclaration | ts.TypeAliasDeclaration => ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement))
    .filter((statement) => statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword))
    .map((statement) => statement.name.text);
  return new Set(names);
}

/** A module's resolver set: its own types mapped to its domain objects, the person type it extends to core's record. */
function moduleResolverSet(root: string, folder: string): ResolverSet {
  const dir = `${SOURCES_DIR}/${folder}`;
  const { defined, extended } = objectTypesOf(readFileSync(join(root, dir, 'schema.graphql'), 'utf8'));
  const domain = declaredTypes(join(root, dir, 'types.ts'));
  const mappers: Record<string, string> = {};
  for (const name of defined) if (domain.has(name)) mappers[name] = `./types.js#${name}`;
  for (const name of extended) mappers[name] = '../../src/core/source-module.js#PersonRecord';
  return { dir, context: '../../src/core/source-module.js#ModuleContext', mappers };
}

/** Modules extend the person type only: mapping another extended type to PersonRecord would type it wrongly. */
function checkOnePersonType(root: string): void {
  const extended = new Set(moduleFolders(root).flatMap((folder) => objectTypesOf(readFileSync(join(root, SOURCES_DIR, folder, 'schema.graphql'), 'utf8')).extended));
  if (extended.size > 1) {
    throw new Error(`codegen.ts: modules extend ${[...extended].join(', ')}; only the person type is mapped for extension (PersonRecord): give the others a mapper here`);
  }
}

/** The import path of the core schema types from a folder of the repository. */
function coreTypesFrom(dir: string): string {
  const up = dir.split('/').map(() => '..').join('/');
  return `${up}/${CORE_TYPES.replace(/\.ts$/, '.js')}`;
}

/**
 * The configuration, reading the SDL and documents under `root` and writing under `outDir` (the test writes to a
 * temporary folder and compares).
 */
export function codegenConfig(root: string, outDir: string = root): CodegenConfig {
  const out = (path: string) => join(outDir, path);
  checkOnePersonType(root);
  const resolverSets = [...moduleFolders(root).map((folder) => moduleResolverSet(root, folder)), ...SAMGRAF_RESOLVERS];
  const shared = { scalars: SCALARS, strictScalars: true, enumsAsTypes: true, skipTypename: true, useTypeImports: true };
  const generates: CodegenConfig['generates'] = {
    [out(CORE_TYPES)]: {
      plugins: [{ add: { content: '/* Generated by graphql-codegen from the SDL (codegen.ts): do not edit, run `npm run codegen`. */' } }, 'typescript'],
      config: { ...shared, immutableTypes: true, avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false } },
    },
  };
  for (const set of resolverSets) {
    generates[out(`${set.dir}/generated.ts`)] = {
      plugins: [
        { add: { content: [
          '/* Generated by graphql-codegen from the SDL (codegen.ts): do not edit, run `npm run codegen`. */',
          `import type * as Types from '${coreTypesFrom(set.dir)}';`,
        ] } },
        'typescript-resolvers',
      ],
      config: { ...shared, namespacedImportName: 'Types', contextType: set.context, mappers: set.mappers, showUnusedMappers: true },
    };
  }
  generates[out(CONSOLE_OPERATIONS)] = {
    documents: [join(root, CONSOLE_DOCUMENTS), `!${join(root, CONSOLE_OPERATIONS)}`],
    // typescript-operations writes the enums and inputs the operations use itself: no `typescript` plugin here.
    plugins: [
      { add: { content: '/* Generated by graphql-codegen from the console\'s operations (codegen.ts): do not edit, run `npm run codegen`. */' } },
      'typescript-operations',
    ],
    config: shared,
  };
  return {
    schema: schemaFiles(root).map((path) => join(root, path)),
    generates,
  };
}

/** The repository root: this file's folder, or its parent when it runs compiled from dist/. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('codegen.ts: package.json not found');
    dir = parent;
  }
  return dir;
}

export default codegenConfig(repositoryRoot());
