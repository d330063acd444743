import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig, substituteEnv, userinfoSpan } from '../src/config.js';
import { parseDatabaseUrl } from '../src/core/db.js';

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

  describe('a variable in a URL\'s user or password is percent-encoded, so that any secret gives a valid URL', () => {
    const SECRETS = ['q2Xv/9kLm+Zt4w==', 'a#b?c@d:e%f g', '%41%', 'ö-ß-€-🦀', "!'()*~-_.", '@', ''];

    it("the contract's example: the driver gets the exact password back", () => {
      for (const secret of SECRETS) {
        const config = parseConfig(valid(), { SKV_DB_PASSWORD: secret });
        const target = parseDatabaseUrl(config.sources.populationRegister.url);
        assert.deepEqual(target, { dialect: 'mysql', host: 'skv-db', port: 3306, user: 'reader', password: secret, database: 'folkbok' }, JSON.stringify(secret));
      }
    });

    it('the user too, and a URL with both', () => {
      const raw = valid() as Record<string, any>;
      raw.store.url = 'mysql://${STORE_USER}:${STORE_PASSWORD}@gw-db:3306/samgraf';
      const config = parseConfig(raw, { SKV_DB_PASSWORD: 'x', STORE_USER: 'svc@gw/ö', STORE_PASSWORD: 'p:w/#?' });
      const target = parseDatabaseUrl(config.store.url);
      assert.equal(target.dialect === 'mysql' && target.user, 'svc@gw/ö');
      assert.equal(target.dialect === 'mysql' && target.password, 'p:w/#?');
      assert.equal(target.dialect === 'mysql' && target.host, 'gw-db');
    });

    it('a redis URL\'s password as well', () => {
      const raw = valid() as Record<string, any>;
      raw.rateLimit = { redisUrl: 'redis://:${REDIS_PASSWORD}@redis:6379/0' };
      const config = parseConfig(raw, { SKV_DB_PASSWORD: 'x', REDIS_PASSWORD: 'r/e#d?i@s' });
      const url = new URL(config.rateLimit.redisUrl!);
      assert.equal(decodeURIComponent(url.password), 'r/e#d?i@s');
      assert.equal(url.host, 'redis:6379');
    });

    it('a variable that is the whole value, or outside the userinfo, goes in as it is', () => {
      const env = { WHOLE: 'mysql://u:p%2Fw@db:3306/x', HOST: 'db.example:3307', DB: 'folk%bok', Q: 'a/b@c' };
      const out = substituteEnv({
        whole: '${WHOLE}',
        host: 'mysql://reader@${HOST}/${DB}',
        query: 'https://idp.example/jwks?x=${Q}#${Q}',
        notUrl: 'prefix ${Q}@host',
        noUserinfo: 'https://${Q}',
      }, env);
      assert.deepEqual(out, {
        whole: 'mysql://u:p%2Fw@db:3306/x',
        host: 'mysql://reader@db.example:3307/folk%bok',
        query: 'https://idp.example/jwks?x=a/b@c#a/b@c',
        notUrl: 'prefix a/b@c@host',
        noUserinfo: 'https://a/b@c',
      });
    });

    it('the userinfo ends at the authority\'s last @ of the template\'s own text', () => {
      assert.deepEqual(userinfoSpan('mysql://reader:${PW}@skv-db:3306/folkbok'), [8, 20]);
      assert.deepEqual(userinfoSpan('mysql://a@b:${PW}@host/db'), [8, 17]);
      assert.equal(userinfoSpan('mysql://host/db@x'), null, 'an @ in the path is no userinfo');
      assert.equal(userinfoSpan('mysql://${HOST}/db'), null);
      assert.equal(userinfoSpan('${URL}'), null);
      assert.equal(userinfoSpan('sqlite:///var/lib/a@b.db'), null);
      // The placeholder's name cannot end the authority; its value is not known yet.
      assert.deepEqual(userinfoSpan('mysql://${U}:${P}@h/d'), [8, 17]);
    });
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

  it('a sqlite URL in neither form is told the two forms, not "unsupported scheme sqlite"', () => {
    const raw = valid() as Record<string, any>;
    raw.store.url = 'sqlite:relative.db';
    assert.deepEqual(problemsOf(raw), ['store.url: sqlite URLs are sqlite:///absolute/path.db or sqlite::memory:']);
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
