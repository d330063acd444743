/**
 * Configuration errors read as sentences naming the key and what it takes, never in the validation library's
 * words and never repeating a secret (issue 12, item 12); the shipped example is complete and valid; and
 * `samgraf config schema` prints a JSON Schema, generated from the same definition, that the example fits.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { ConfigError, configJsonSchema, loadConfigFile, parseConfig } from '../src/config.js';
import { repoRoot } from './helpers/repo.js';

const CLI = join(repoRoot, 'dist', 'src', 'cli.js');
const EXAMPLE = join(repoRoot, 'samgraf.config.example.json');
/** The environment variables the example names, with values of the kind an operator sets. */
const EXAMPLE_ENV = { SKV_DB_PASSWORD: 'p/1#', FK_DB_PASSWORD: 'p@2', AF_DB_PASSWORD: 'p:3', AGI_DB_PASSWORD: 'p&6', STORE_DB_PASSWORD: 'p%4', REDIS_PASSWORD: 'r?5',
  // The gateway's private key as an operator's secret store would hold it: the JWK's JSON text.
  SAMGRAF_INTERNAL_KEY: '{"kty":"OKP","crv":"Ed25519","x":"wu9S_jjZYHduWaXskk-P-Cnu9U4kvgeLrVF8-UYKXpU","d":"8oieD6AqaPmIdkkz7dPVnuAqtE5FNW_JYL9rmjIcMp8"}',
  SAMGRAF_METRICS_TOKEN: 'metrics-scraper-secret-0001' };

const valid = (): Record<string, any> => ({
  sources: {
    populationRegister: { url: 'mysql://reader:${SKV_DB_PASSWORD}@skv-db:3306/folkbok' },
    socialInsurance: { url: 'mysql://reader@fk-db:3306/fk' },
    employmentService: { url: 'sqlite:///var/lib/af.db' },
  },
  store: { url: 'sqlite::memory:' },
  auth: { issuers: [{ issuer: 'https://idp.agency.example', audience: 'samgraf', jwksUrl: 'https://idp.agency.example/jwks', principal: 'staff' }] },
});

function problemsOf(raw: unknown, env: NodeJS.ProcessEnv = { SKV_DB_PASSWORD: 'x' }): string[] {
  try {
    parseConfig(raw, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

/** `valid()` with `change` applied to it. */
function withChange(change: (raw: Record<string, any>) => void): Record<string, any> {
  const raw = valid();
  change(raw);
  return raw;
}

describe('configuration errors are sentences naming the key and what it takes', () => {
  // One case for each kind of issue zod 4 reports for this schema.
  const cases: [string, (raw: Record<string, any>) => void, string[]][] = [
    ['invalid_type: a string for a number', (r) => { r.server = { port: 'abc' }; }, ['server.port: must be a whole number from 0 to 65535 (got "abc")']],
    ['invalid_type: a fraction for a whole number', (r) => { r.limits = { maxDepth: 1.5 }; }, ['limits.maxDepth: must be a whole number from 1 to 100 (got 1.5)']],
    ['invalid_type: a string for a boolean', (r) => { r.store.autoMigrate = 'no'; }, ['store.autoMigrate: must be true or false (got "no")']],
    ['invalid_type: a number for an object', (r) => { r.server = 5; }, ['server: must be an object (got 5)']],
    ['invalid_type: a missing section', (r) => { delete r.sources.employmentService; }, ['sources.employmentService: is required; it must be an object with url']],
    ['invalid_type: a missing key', (r) => { delete r.store.url; }, ['store.url: is required; it must be a non-empty string']],
    ['too_small: a number below its range', (r) => { r.auth.clockSkewSeconds = -1; }, ['auth.clockSkewSeconds: must be a whole number from 0 to 300 (got -1)']],
    ['too_small: a number with only a minimum', (r) => { r.limits = { maxCost: 0 }; }, ['limits.maxCost: must be a whole number of at least 1 (got 0)']],
    ['too_small: an empty string', (r) => { r.server = { host: '' }; }, ['server.host: must be a non-empty string (got an empty string)']],
    ['too_small: an empty list', (r) => { r.purposes = []; }, ['purposes: must be a non-empty list, each item a name of lower-case words joined by - (e.g. benefit-assessment) (got an empty list)']],
    ['too_big: a number above its range', (r) => { r.sources.socialInsurance.poolMax = 1000; }, ['sources.socialInsurance.poolMax: must be a whole number from 1 to 200 (got 1000)']],
    ['invalid_value: not one of an enum', (r) => { r.server = { introspection: 'anyone' }; }, ['server.introspection: must be one of "everyone", "authenticated", "scope" (got "anyone")']],
    ['invalid_value: a symmetric algorithm', (r) => { r.auth.issuers[0].algorithms = ['HS256']; },
      ['auth.issuers.0.algorithms.0: must be one of "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA" (got "HS256")']],
    ['invalid_format: a pattern', (r) => { r.purposes = ['Benefit Assessment']; }, ['purposes.0: must be a name of lower-case words joined by - (e.g. benefit-assessment) (got "Benefit Assessment")']],
    ['invalid_format: a URL', (r) => { r.auth.issuers[0].jwksUrl = 'idp.agency.example/jwks'; }, ['auth.issuers.0.jwksUrl: must be a URL (got a string)']],
    ['invalid_union: neither branch', (r) => { r.auth.issuers[0].audience = 5; }, ['auth.issuers.0.audience: must be a non-empty string, or a non-empty list, each item a non-empty string (got 5)']],
    ['unrecognized_keys', (r) => { r.server = { prot: 4000 }; }, ['server: unknown key prot']],
    ['custom: samgraf\'s own sentence', (r) => { r.auth.issuers[0].jwks = { keys: [] }; }, ['auth.issuers.0: give exactly one of jwksUrl and jwks']],
  ];

  for (const [label, change, expected] of cases) {
    it(label, () => {
      assert.deepEqual(problemsOf(withChange(change)), expected);
    });
  }

  it('never repeats a value that may be a secret: URLs, JWKS, anything from the environment', () => {
    const secret = 'hunter2-s3cret';
    const problems = [
      ...problemsOf(withChange((r) => { r.rateLimit = { redisUrl: `http://:${secret}@redis:6379` }; })),
      ...problemsOf(withChange((r) => { r.auth.issuers[0].jwksUrl = `${secret}/jwks`; })),
      ...problemsOf(withChange((r) => { r.auth.issuers[0].jwksUrl = undefined; r.auth.issuers[0].jwks = { keys: secret }; })),
      ...problemsOf(withChange((r) => { r.store.url = `mysql://u:${secret}@db:3306/`; })),
      ...problemsOf(withChange((r) => { r.store.url = `ftp://u:${secret}@db/x`; })),
      ...problemsOf(withChange((r) => { r.server = { host: '${HOST}', port: '${PORT}' }; }), { SKV_DB_PASSWORD: 'x', HOST: '', PORT: secret }),
    ];
    assert.equal(problems.length, 7, problems.join('\n'));
    for (const problem of problems) assert.ok(!problem.includes(secret) && !problem.includes('hunter2'), problem);
    assert.ok(problems.includes('rateLimit.redisUrl: must be a redis:// or rediss:// URL (got a string)'), problems.join('\n'));
    assert.ok(problems.includes('server.port: must be a whole number from 0 to 65535 (got a string)'), problems.join('\n'));
  });

  it('a file that is not JSON is told where, without quoting it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'samgraf-config-'));
    try {
      const file = join(dir, 'broken.json');
      writeFileSync(file, '{\n  "store": { "url": "mysql://u:hunter2@db/x" x }\n}\n');
      assert.throws(() => loadConfigFile(file, {}), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.deepEqual(error.problems, [`${file} is not valid JSON (line 2, column 46)`]);
        return true;
      });
      writeFileSync(file, 'hunter2');
      assert.throws(() => loadConfigFile(file, {}), (error: unknown) => error instanceof ConfigError && error.problems[0] === `${file} is not valid JSON`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The parts of a JSON Schema (as `samgraf config schema` prints it) that this test reads. */
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A structural JSON Schema check, enough for what zod generates here (no validator is installed). */
function schemaProblems(schema: Schema, value: unknown, path = '$'): string[] {
  if (schema.anyOf) return schema.anyOf.some((branch) => schemaProblems(branch, value, path).length === 0) ? [] : [`${path}: fits no branch`];
  const problems: string[] = [];
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: not in the enum`);
  switch (schema.type) {
    case 'object': {
      if (!isObject(value)) return [`${path}: not an object`];
      for (const key of schema.required ?? []) if (!(key in value)) problems.push(`${path}.${key}: missing`);
      for (const [key, item] of Object.entries(value)) {
        const child = schema.properties?.[key] ?? schema.additionalProperties;
        if (child === false || child === undefined) problems.push(`${path}.${key}: not allowed`);
        else if (child !== true) problems.push(...schemaProblems(child, item, `${path}.${key}`));
      }
      break;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: not a list`];
      if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${path}: too few items`);
      if (schema.items) value.forEach((item, i) => problems.push(...schemaProblems(schema.items!, item, `${path}[${i}]`)));
      break;
    case 'string':
      if (typeof value !== 'string') return [`${path}: not a string`];
      if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: too short`);
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
      if (schema.format === 'uri' && !URL.canParse(value)) problems.push(`${path}: not a URL`);
      break;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (schema.type === 'integer' && !Number.isInteger(value))) return [`${path}: not a ${schema.type}`];
      if ((schema.minimum !== undefined && value < schema.minimum) || (schema.maximum !== undefined && value > schema.maximum)) problems.push(`${path}: out of range`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: not a boolean`);
      break;
  }
  return problems;
}

/** Every key the schema defines that none of `values` (the example's values at `path`) has. */
function keysMissing(schema: Schema, values: unknown[], path: string): string[] {
  if (schema.type === 'array' && schema.items) return keysMissing(schema.items, values.flatMap((v) => (Array.isArray(v) ? v : [])), `${path}[]`);
  if (schema.type !== 'object' || !schema.properties) return [];
  const objects = values.filter(isObject);
  return Object.entries(schema.properties).flatMap(([key, child]) => {
    const present = objects.filter((object) => key in object).map((object) => object[key]);
    return present.length === 0 ? [`${path}.${key}`] : keysMissing(child, present, `${path}.${key}`);
  });
}

/** Each key whose value in the example differs from the schema's default (leaves; a section's default is its keys'). */
function defaultsDiffering(schema: Schema, value: unknown, path: string): string[] {
  if (schema.type === 'object') {
    if (!isObject(value) || !schema.properties) return [];
    return Object.entries(schema.properties).flatMap(([key, child]) => (key in value ? defaultsDiffering(child, value[key], `${path}.${key}`) : []));
  }
  if (schema.type === 'array' && schema.items?.type === 'object') {
    return Array.isArray(value) ? value.flatMap((item, i) => defaultsDiffering(schema.items!, item, `${path}[${i}]`)) : [];
  }
  if (schema.default === undefined) return [];
  return JSON.stringify(value) === JSON.stringify(schema.default) ? [] : [`${path}: ${JSON.stringify(value)} is not the default ${JSON.stringify(schema.default)}`];
}

describe('samgraf.config.example.json and samgraf config schema', () => {
  const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
  let printed: Schema | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'samgraf-example-'));

  after(() => rmSync(dir, { recursive: true, force: true }));

  async function printedSchema(): Promise<Schema> {
    if (!printed) {
      const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'config', 'schema'], { encoding: 'utf8' });
      printed = JSON.parse(stdout) as Schema;
    }
    return printed;
  }

  it('the example is a valid configuration once the variables it names are set, and names only those', () => {
    const config = parseConfig(example, EXAMPLE_ENV);
    assert.equal(config.sources.populationRegister.url, 'mysql://samgraf_reader:p%2F1%23@skv-db.internal:3306/folkbok');
    assert.equal(config.auth.issuers.length, 2);
    const named = [...JSON.stringify(example).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1]);
    assert.deepEqual([...new Set(named)].sort(), Object.keys(EXAMPLE_ENV).sort());
    // As an operator would run it.
    const file = join(dir, 'samgraf.json');
    writeFileSync(file, JSON.stringify(example));
    assert.equal(loadConfigFile(file, EXAMPLE_ENV).store.autoMigrate, true);
  });

  it('the example has every key the schema defines, each at its default where it has one', async () => {
    const schema = await printedSchema();
    assert.deepEqual(keysMissing(schema, [example], '$'), [], 'add the key to samgraf.config.example.json');
    assert.deepEqual(defaultsDiffering(schema, example, '$'), []);
  });

  it('samgraf config schema prints the JSON Schema generated from the definition, and the example fits it', async () => {
    const schema = await printedSchema();
    assert.deepEqual(schema, JSON.parse(JSON.stringify(configJsonSchema())));
    assert.equal((schema as Record<string, unknown>).$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(schema.required, ['sources', 'store']);
    assert.deepEqual(schemaProblems(schema, example), []);
    // The check is not vacuous: it finds what parseConfig refuses.
    const broken = structuredClone(example) as Record<string, any>;
    broken.server.port = 'abc';
    broken.server.colour = 'blue';
    broken.auth.issuers[0].principal = 'robot';
    delete broken.store;
    assert.deepEqual(schemaProblems(schema, broken).sort(), ['$.auth.issuers[0].principal: not in the enum', '$.server.colour: not allowed', '$.server.port: not a integer', '$.store: missing'].sort());
  });

  it('samgraf config schema --help prints its usage; the README documents the command and the example', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'config', 'schema', '--help'], { encoding: 'utf8' });
    assert.match(stdout, /^usage:\n {2}samgraf config schema$/m);
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    assert.match(readme, /^\| `samgraf config schema` \|/m);
    assert.match(readme, /samgraf\.config\.example\.json/);
    assert.match(readme, /^\| `PURPOSE_UNKNOWN` \| 400 \|/m);
  });
});
