/**
 * Each part as a Federation 2 subgraph: both composers accept the parts, and the supergraph carries the single
 * server's rule table and personal-data facts — what `samgraf policy matrix` prints for one prints for the other.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { composeServices as composeWithApollo } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { getDirective } from '@graphql-tools/utils';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { SOURCE_MODULES } from '../sources/registry.js';
import { policyMatrix, type MatrixRow } from '../src/commands/policy-matrix.js';
import { composeSupergraph, configuredServices, type SubgraphService } from '../src/federation/compose.js';
import { EMBEDDED_URL, partNames, SAMGRAF_PART } from '../src/federation/parts.js';
import { PERSON_KEY, printSubgraphSdl, subgraphSdls } from '../src/federation/subgraph-sdl.js';
import { supergraphParts, supergraphSchema } from '../src/federation/supergraph.js';
import { buildDeclaredSchema } from '../src/schema.js';
import { readPersonalData } from '../src/security/personal-data.js';
import { runCli } from './helpers/cli.js';

const services: SubgraphService[] = subgraphSdls().map(({ name, typeDefs }) => ({ name, url: `http://${name.toLowerCase()}.invalid/graphql`, typeDefs }));

/** A rule's meaning: an OR of ANDs is a set of sets, whatever order a composer writes them in. */
function meaning(row: MatrixRow): unknown {
  const sets = (entries: string[][][]) => entries.map((anyOf) => anyOf.map((allOf) => [...allOf].sort().join(' AND ')).sort().join(' OR ')).sort();
  return { ...row, scopes: sets(row.scopes), policies: sets(row.policies) };
}

function ruleTable(schema?: GraphQLSchema): Map<string, unknown> {
  return new Map(policyMatrix(schema).map((row) => [row.field, meaning(row)]));
}

function apolloSupergraph(): string {
  const result = composeWithApollo(services);
  assert.equal(result.errors, undefined, result.errors?.map((error) => error.message).join('\n'));
  return result.supergraphSdl!;
}

describe('federation: the parts as subgraphs', () => {
  it('there is one part per source module and samgraf\'s own, each a valid Federation 2 subgraph', () => {
    assert.deepEqual(services.map((service) => service.name), [...SOURCE_MODULES.map((module) => module.name), SAMGRAF_PART]);
    for (const { name, typeDefs } of services) {
      const schema = buildSubgraphSchema({ typeDefs });
      assert.ok(schema.getQueryType()?.getFields()._service, name);
    }
  });

  it('the person type is the one entity: keyed by personalNumber in every source\'s part, with the register\'s rules on it', () => {
    const register = SOURCE_MODULES.find((module) => module.people !== undefined)!;
    for (const { name, typeDefs } of services.filter((service) => service.name !== SAMGRAF_PART)) {
      const schema = buildSubgraphSchema({ typeDefs });
      const person = schema.getType(register.people!.typeName);
      assert.ok(isObjectType(person), name);
      assert.deepEqual(getDirective(schema, person, 'key')?.map((key) => key.fields), [PERSON_KEY], name);
      // The type's rules and the key field's, exactly as the register declares them.
      assert.deepEqual(getDirective(schema, person, 'policy'), [{ policies: [['staff'], ['self']] }], name);
      assert.deepEqual(getDirective(schema, person.getFields()[PERSON_KEY]!, 'requiresScopes'), [{ scopes: [['citizen:read']] }], name);
    }
  });

  it('both composers accept the parts; Apollo\'s without a hint', () => {
    const apollo = composeWithApollo(services);
    assert.equal(apollo.errors, undefined, apollo.errors?.map((error) => error.message).join('\n'));
    assert.deepEqual(apollo.hints?.map((hint) => hint.toString()), []);
    for (const sdl of [composeSupergraph(services), apollo.supergraphSdl!]) {
      const schema = supergraphSchema(sdl);
      const parts = supergraphParts(schema);
      const keys = getDirective(schema, schema.getType('Citizen')!, 'join__type')!.map((join) => [parts.get(join.graph as string)!.name, join.key]);
      assert.deepEqual(keys.sort(), SOURCE_MODULES.map((module) => [module.name, PERSON_KEY]).sort());
      assert.deepEqual([...parts.values()].map((part) => part.name).sort(), partNames().sort());
    }
  });

  it('the supergraph\'s rule table equals the single server\'s policy matrix, from either composer', () => {
    const single = ruleTable();
    for (const [composer, sdl] of [['guild', composeSupergraph(services)], ['apollo', apolloSupergraph()]] as const) {
      const federated = ruleTable(supergraphSchema(sdl));
      assert.deepEqual([...federated.keys()].sort(), [...single.keys()].sort(), composer);
      for (const [field, rule] of single) assert.deepEqual(federated.get(field), rule, `${composer}: ${field}`);
    }
  });

  it('the supergraph says what is personal data as the single server does (types, categories, root fields)', () => {
    const single = readPersonalData(buildDeclaredSchema());
    for (const sdl of [composeSupergraph(services), apolloSupergraph()]) {
      const federated = readPersonalData(supergraphSchema(sdl));
      assert.deepEqual(federated.types, single.types);
      assert.deepEqual(federated.fieldCategories, single.fieldCategories);
      assert.deepEqual(federated.personalRootFields, single.personalRootFields);
    }
  });

  it('every root field is served by the part whose SDL declares it, and personal-number arguments keep their mark', () => {
    const schema = supergraphSchema(composeSupergraph(services));
    const parts = supergraphParts(schema);
    const partOf = (field: string) => getDirective(schema, schema.getQueryType()!.getFields()[field]!, 'join__field')?.map((join) => parts.get(join.graph as string)!.name);
    assert.deepEqual(partOf('citizen'), ['populationRegister']);
    assert.deepEqual(partOf('benefit'), ['socialInsurance']);
    assert.deepEqual(partOf('case'), ['employmentService']);
    assert.deepEqual(partOf('auditEvents'), [SAMGRAF_PART]);
    assert.deepEqual(partOf('me'), [SAMGRAF_PART]);
    const argument = schema.getQueryType()!.getFields().citizens!.args[0]!;
    assert.ok(getDirective(schema, argument, 'personalNumber'));
  });

  it('without @composeDirective a composer drops samgraf\'s directives: the comparison above would catch it', () => {
    const stripped = services.map((service) => ({ ...service, typeDefs: { ...service.typeDefs, definitions: service.typeDefs.definitions.map((definition) =>
      definition.kind === 'SchemaExtension' ? { ...definition, directives: definition.directives?.filter((directive) => directive.name.value !== 'composeDirective') } : definition) } }));
    const federated = readPersonalData(supergraphSchema(composeSupergraph(stripped)));
    assert.equal(federated.types.size, 0);
  });

  it('the SDL a part prints is the SDL it is built from', () => {
    for (const sdl of subgraphSdls()) assert.doesNotThrow(() => buildSubgraphSchema({ typeDefs: sdl.typeDefs }), printSubgraphSdl(sdl).slice(0, 80));
  });
});

describe('samgraf compose and policy matrix --supergraph', () => {
  const dir = mkdtempSync(join(tmpdir(), 'samgraf-compose-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = (subgraphs: Record<string, string>) => {
    const file = join(dir, `config-${Object.keys(subgraphs).length}.json`);
    writeFileSync(file, JSON.stringify({
      sources: Object.fromEntries(SOURCE_MODULES.filter((module) => module.required).map((module) => [module.name, { url: 'sqlite::memory:' }])),
      store: { url: 'sqlite::memory:' },
      federation: { subgraphs: Object.fromEntries(Object.entries(subgraphs).map(([name, url]) => [name, { url }])) },
    }));
    return file;
  };
  const everyPart = Object.fromEntries(partNames().map((name, i) => [name, `http://127.0.0.1:${4101 + i}/graphql`]));

  it('writes the supergraph with each part\'s URL, and the matrix read from it is the single server\'s', async () => {
    const output = join(dir, 'supergraph.graphql');
    const composed = await runCli(['compose', '--config', config(everyPart), '--from', 'package', '-o', output]);
    assert.equal(composed.status, 0, composed.stderr);
    const supergraph = readFileSync(output, 'utf8');
    for (const url of Object.values(everyPart)) assert.ok(supergraph.includes(`url: "${url}"`), url);
    const [fromSupergraph, fromSdl] = await Promise.all([
      runCli(['policy', 'matrix', '--format', 'json', '--supergraph', output]),
      runCli(['policy', 'matrix', '--format', 'json']),
    ]);
    assert.equal(fromSupergraph.status, 0, fromSupergraph.stderr);
    const rows = (result: { stdout: string }) => new Map((JSON.parse(result.stdout) as MatrixRow[]).map((row) => [row.field, meaning(row)]));
    assert.deepEqual(rows(fromSupergraph), rows(fromSdl));
  });

  it('names every part a supergraph cannot do without, and is not fooled by a file that is no supergraph', async () => {
    const { populationRegister: _, [SAMGRAF_PART]: __, ...partial } = everyPart;
    const refused = await runCli(['compose', '--config', config(partial), '--from', 'package']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /federation\.subgraphs\.populationRegister\.url: required/);
    assert.doesNotMatch(refused.stderr, /samgraf\.url/, "samgraf's own part is optional: the gateway serves it");
    assert.equal(refused.stdout, '');
    const bad = await runCli(['compose', '--config', config({ ...everyPart, elsewhere: 'http://x.invalid/' }), '--from', 'package']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /federation\.subgraphs/);
    const notSupergraph = join(dir, 'plain.graphql');
    writeFileSync(notSupergraph, 'type Query { x: String }');
    const matrix = await runCli(['policy', 'matrix', '--supergraph', notSupergraph]);
    assert.equal(matrix.status, 1);
    assert.match(matrix.stderr, /not a supergraph/);
  });

  it('without a configured samgraf part the supergraph names it as served by the gateway itself', async () => {
    const { [SAMGRAF_PART]: _, ...sources } = everyPart;
    const output = join(dir, 'embedded.graphql');
    const composed = await runCli(['compose', '--config', config(sources), '--from', 'package', '-o', output]);
    assert.equal(composed.status, 0, composed.stderr);
    const parts = supergraphParts(supergraphSchema(readFileSync(output, 'utf8')));
    assert.equal([...parts.values()].find((part) => part.name === SAMGRAF_PART)?.url, EMBEDDED_URL);
  });

  it('configuredServices keeps registry order and takes an optional source only where configured', () => {
    const { incomeRegister: _, ...withoutIncome } = everyPart;
    const config = { federation: { subgraphs: Object.fromEntries(Object.entries(withoutIncome).map(([name, url]) => [name, { url }])), subgraphTimeoutMs: 10_000 } };
    assert.deepEqual(configuredServices(config).map((service) => service.name), partNames().filter((name) => name !== 'incomeRegister'));
  });
});
