import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../src/config.js';

const valid = () => ({
  server: { port: 4000 },
  sources: {
    populationRegister: { url: 'mysql://reader:${SKV_DB_PASSWORD}@skv-db:3306/folkbok' },
    socialInsurance: { url: 'mysql://reader@fk-db:3306/fk' },
    employmentService: { url: 'sqlite:///var/lib/af.db' },
  },
  store: { url: 'sqlite::memory:' },
  auth: {
    issuers: [
      { issuer: 'https://idp.agency.example', audience: 'samgraf', jwksUrl: 'https://idp.agency.example/jwks', principal: 'staff' },
      { issuer: 'https://eid.example', audience: 'samgraf', jwks: { keys: [] }, principal: 'citizen' },
    ],
  },
  purposes: ['benefit-assessment', 'employment-support', 'social-services', 'self-service', 'audit'],
});

function problemsOf(raw: unknown, env: NodeJS.ProcessEnv = { SKV_DB_PASSWORD: 'x' }): string[] {
  try {
    parseConfig(raw, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it("accepts the contract's example and substitutes ${ENV_VAR}", () => {
    const config = parseConfig(valid(), { SKV_DB_PASSWORD: 's3cret' });
    assert.equal(config.sources.populationRegister.url, 'mysql://reader:s3cret@skv-db:3306/folkbok');
    assert.equal(config.server.port, 4000);
    assert.equal(config.auth.issuers.length, 2);
  });

  it('PORT overrides server.port; the default port is 4000', () => {
    assert.equal(parseConfig(valid(), { SKV_DB_PASSWORD: 'x', PORT: '8080' }).server.port, 8080);
    const { server: _omitted, ...withoutServer } = valid();
    assert.equal(parseConfig(withoutServer, { SKV_DB_PASSWORD: 'x' }).server.port, 4000);
    assert.deepEqual(problemsOf(valid(), { SKV_DB_PASSWORD: 'x', PORT: 'eighty' }), ['PORT: must be a port number']);
  });

  it('names a missing environment variable and the key that uses it', () => {
    assert.deepEqual(problemsOf(valid(), {}), ['sources.populationRegister.url: environment variable SKV_DB_PASSWORD is not set']);
  });

  it('names an unknown key', () => {
    const raw = valid() as Record<string, any>;
    raw.sources.socialInsurance.pasword = 'typo';
    raw.extra = true;
    assert.deepEqual(problemsOf(raw).sort(), ['(root): unknown key extra', 'sources.socialInsurance: unknown key pasword']);
  });

  it('names a bad URL and a missing source', () => {
    const raw = valid() as Record<string, any>;
    raw.sources.socialInsurance.url = 'postgres://fk-db/fk';
    delete raw.sources.employmentService;
    raw.store.url = 'sqlite://relative.db';
    const problems = problemsOf(raw);
    assert.ok(problems.some((p) => p.startsWith('sources.socialInsurance.url: unsupported scheme postgres')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('sources.employmentService:')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('store.url: a sqlite URL needs an absolute path')), problems.join('\n'));
  });

  it('rejects an issuer with both or neither of jwksUrl and jwks, and an unknown principal kind', () => {
    const raw = valid() as Record<string, any>;
    raw.auth.issuers[0].jwks = { keys: [] };
    raw.auth.issuers[1].principal = 'robot';
    const problems = problemsOf(raw);
    assert.ok(problems.some((p) => p.startsWith('auth.issuers.0: give exactly one of jwksUrl and jwks')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('auth.issuers.1.principal:')), problems.join('\n'));
  });

  it('rejects a port out of range and a malformed purpose', () => {
    const raw = valid() as Record<string, any>;
    raw.server.port = 70000;
    raw.purposes = ['Benefit Assessment'];
    const problems = problemsOf(raw);
    assert.ok(problems.some((p) => p.startsWith('server.port:')), problems.join('\n'));
    assert.ok(problems.some((p) => p.startsWith('purposes.0:')), problems.join('\n'));
  });
});
