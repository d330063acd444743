/**
 * The committed generated types (codegen.ts) are what graphql-codegen makes of the SDL and the console's
 * operations now: an SDL change without `npm run codegen` fails here, and so in CI. Codegen runs offline (files
 * only) into a temporary folder, as `npm run codegen` writes the repository, and the outputs are compared file
 * by file. The last tests show the comparison can fail, and that the generated types catch a resolver that
 * returns the wrong shape at compile time.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { generate } from '@graphql-codegen/cli';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { codegenConfig, moduleFolders, schemaFiles } from '../codegen.js';
import type { Resolvers } from '../sources/social-insurance/generated.js';
import { buildDeclaredSchema } from '../src/schema.js';
import { repoRoot } from './helpers/repo.js';

const temporary: string[] = [];
after(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'samgraf-codegen-'));
  temporary.push(dir);
  return dir;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Runs codegen over the SDL and documents under `root`, writing under a new temporary folder; returns it. */
async function codegenInto(root: string): Promise<string> {
  const out = temporaryDir();
  await generate({ ...codegenConfig(root, out), silent: true }, true);
  return out;
}

/** The inputs codegen reads, copied to a temporary root that a test may change. */
function copyOfInputs(): string {
  const root = temporaryDir();
  const copy = (path: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    cpSync(join(repoRoot, path), join(root, path), { recursive: true });
  };
  for (const path of [...schemaFiles(repoRoot), 'console/app/src']) copy(path);
  for (const folder of moduleFolders(repoRoot)) if (existsSync(join(repoRoot, 'sources', folder, 'types.ts'))) copy(`sources/${folder}/types.ts`);
  return root;
}

const printed = (schema: ReturnType<typeof buildDeclaredSchema>) => printSchema(lexicographicSortSchema(schema));

describe('generated types from the SDL', () => {
  test('codegen reads the schema the server serves', () => {
    const read = makeExecutableSchema({ typeDefs: schemaFiles(repoRoot).map((path) => readFileSync(join(repoRoot, path), 'utf8')) });
    assert.equal(printed(read), printed(buildDeclaredSchema()));
  });

  test('every committed generated file is what codegen makes of the SDL and the console operations now', async () => {
    const out = await codegenInto(repoRoot);
    const generated = filesUnder(out).map((path) => relative(out, path)).sort();
    const modules = moduleFolders(repoRoot);
    assert.ok(modules.length >= 3, `source modules found: ${modules.join(', ')}`);
    for (const folder of modules) assert.ok(generated.includes(`sources/${folder}/generated.ts`), `a generated.ts for sources/${folder}`);
    assert.ok(generated.includes('src/core/generated/schema-types.ts'));
    assert.ok(generated.includes('console/app/src/generated.ts'));
    const stale = generated.filter((file) => !existsSync(join(repoRoot, file)) || readFileSync(join(repoRoot, file), 'utf8') !== readFileSync(join(out, file), 'utf8'));
    assert.deepEqual(stale, [], 'missing or stale (the SDL or the console\'s operations changed): run npm run codegen and commit them');
  });

  test('a changed SDL generates different types (so the comparison above can fail)', async () => {
    const root = copyOfInputs();
    writeFileSync(join(root, 'src/core/base.graphql'), `${readFileSync(join(root, 'src/core/base.graphql'), 'utf8')}\nextend type PageInfo { probe: String @authenticated }\n`);
    const out = await codegenInto(root);
    const changed = readFileSync(join(out, 'src/core/generated/schema-types.ts'), 'utf8');
    assert.notEqual(changed, readFileSync(join(repoRoot, 'src/core/generated/schema-types.ts'), 'utf8'));
    assert.match(changed, /probe: Maybe<Scalars\['String'\]\['output'\]>/);
  });

  test('a console operation that asks for a field the schema no longer has does not generate', async () => {
    const root = copyOfInputs();
    const sdl = join(root, 'src/access-log/schema.graphql');
    const text = readFileSync(sdl, 'utf8');
    assert.match(text, /^ {2}prevHash: String$/m);
    writeFileSync(sdl, text.replace(/^ {2}prevHash: String$/m, ''));
    // (codegen also logs that it wrote nothing: expected here.)
    await assert.rejects(codegenInto(root), /Cannot query field "prevHash" on type "AuditEvent"/);
  });

  test('a resolver typed from the SDL does not compile when it returns the wrong shape', () => {
    // Checked by tsc when the tests build: if the generated types stopped catching this, the directive below would
    // be unused, which is itself a compile error.
    const wrong: Resolvers = {
      Query: {
        // @ts-expect-error a payment list is not a benefit decision
        benefit: () => [{ id: '1', benefitId: '1', paidOn: '2024-01-31', amount: { amount: '1.00', currency: 'SEK', minorUnits: 100 } }],
      },
    };
    assert.equal(typeof wrong.Query?.benefit, 'function');
  });
});
