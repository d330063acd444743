/**
 * The browser pages over HTTP (no browser here; tests/console.test.ts drives one): what /console and the IDE at
 * /graphql answer, with which headers; that nothing outside the built pages can be reached through them; that
 * GraphQL over HTTP is untouched; that `server.console` / `server.ide` turn them off; and that the demo's
 * personas route does not exist outside demo mode.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../src/config.js';
import { CONTENT_SECURITY_POLICY } from '../src/web/pages.js';
import { rawRequest } from './helpers/raw-http.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('browser pages over HTTP', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let origin: string;

  before(async () => {
    seeded = await seededSources('sqlite', { citizens: 20, seed: 'web-pages-0' });
    server = await startTestServer(seeded.urls);
    origin = new URL(server.url).origin;
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${origin}${path}`, { method, headers, redirect: 'manual' });

  function assertPageHeaders(response: Response, path: string) {
    assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, path);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
  }

  it('serves the console page for /console and each of its routes, revalidated by ETag, with a strict CSP', async () => {
    for (const path of ['/console', '/console/', '/console/events', '/console/follow-up', '/console/chains', '/console/my-log', '/console/no-such-page']) {
      const response = await get(path, { accept: BROWSER_ACCEPT });
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8', path);
      assert.equal(response.headers.get('cache-control'), 'no-cache', path);
      assertPageHeaders(response, path);
      const html = await response.text();
      assert.match(html, /<div id="app">/, path);
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${path}: no inline script`);
      assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, `${path}: nothing from another origin`);
      const again = await get(path, { 'if-none-match': response.headers.get('etag')! });
      assert.equal(again.status, 304, `${path} revalidated`);
    }
    const head = await get('/console/', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal(CONTENT_SECURITY_POLICY.includes("default-src 'self'") && CONTENT_SECURITY_POLICY.includes("connect-src 'self'"), true);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-(inline|eval)|https?:|\*/);
  });

  it('serves the console page in the language the browser prefers (<html lang> from Accept-Language), one copy per language for caches', async () => {
    const cases: [string | null, 'sv' | 'en'][] = [
      ['sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7', 'sv'],
      ['sv-FI', 'sv'],
      ['de-DE, sv;q=0.5, en;q=0.4', 'sv'],
      ['en;q=0.5, sv;q=0.8', 'sv'],
      ['en-GB,en;q=0.9,sv;q=0.8', 'en'],
      ['sv;q=0, en', 'en'],
      ['fr-FR', 'en'],
      [null, 'en'],
    ];
    const etags = new Map<string, string>();
    for (const [acceptLanguage, language] of cases) {
      const response = await get('/console/events', { accept: BROWSER_ACCEPT, ...(acceptLanguage === null ? {} : { 'accept-language': acceptLanguage }) });
      assert.equal(response.status, 200, String(acceptLanguage));
      assert.match(response.headers.get('vary') ?? '', /accept-language/i, 'caches keep one copy per language');
      assert.match(await response.text(), new RegExp(`<html lang="${language}">`), String(acceptLanguage));
      const etag = response.headers.get('etag')!;
      assert.equal(etags.get(language) ?? etag, etag, `one ETag per language (${acceptLanguage})`);
      etags.set(language, etag);
    }
    assert.notEqual(etags.get('sv'), etags.get('en'));
    // A copy is revalidated only by a browser that would get the same language.
    assert.equal((await get('/console/', { 'accept-language': 'sv-SE', 'if-none-match': etags.get('sv')! })).status, 304);
    assert.equal((await get('/console/', { 'accept-language': 'en-US', 'if-none-match': etags.get('sv')! })).status, 200);
    // The files the page loads are the same in every language.
    const html = await (await get('/console/', { accept: BROWSER_ACCEPT, 'accept-language': 'sv-SE' })).text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await get(script, { 'accept-language': 'sv-SE' });
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('vary'), null, script);
  });

  it('serves the hashed assets the pages name, with their content types, cached for good', async () => {
    for (const page of ['/console/', '/graphql']) {
      const html = await (await get(page, { accept: BROWSER_ACCEPT })).text();
      const assets = [...html.matchAll(/(?:src|href)="(\/(?:console|graphql)\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), `${page} names its script and stylesheet: ${assets}`);
      for (const asset of assets) {
        const response = await get(asset);
        assert.equal(response.status, 200, asset);
        assert.equal(response.headers.get('content-type'), asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8', asset);
        assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable', asset);
        assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
        const body = await response.text();
        // Nothing loads from elsewhere: no absolute URL to another origin in what the pages fetch or import.
        assert.doesNotMatch(body, /@import\s+url\(\s*["']?https?:|url\(\s*["']?https?:\/\//, `${asset}: no remote stylesheet or font`);
      }
    }
  });

  it('answers 404 NOT_FOUND (the JSON error shape) for unknown files, and never reaches outside the built pages', async () => {
    for (const path of ['/console/assets/nope.js', '/console/favicon.ico', '/console/index.html.bak', '/graphql/assets/nope.css', '/graphql/', '/graphql/index.html']) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      const body = await response.json() as { errors: { message: string; extensions: { code: string } }[] };
      assert.equal(body.errors.length, 1, path);
      assert.equal(body.errors[0]!.extensions.code, 'NOT_FOUND', path);
    }
    // Raw request targets, as an attacker would send them (fetch would normalise these).
    for (const target of ['/console/../package.json', '/console/%2e%2e/%2e%2e/package.json', '/console/assets/..%2f..%2f..%2fpackage.json',
      '/console/assets/%2e%2e/%2e%2e/%2e%2e/package.json', '/console/..\\..\\package.json', '/graphql/assets/../../../package.json', '/console/%00']) {
      const reply = await rawRequest(origin, `GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      assert.ok([200, 400, 404].includes(reply.status), `${target}: ${reply.status}`);
      assert.doesNotMatch(reply.text, /"name":\s*"samgraf"|"devDependencies"/, `${target} leaked a file`);
      if (reply.status === 200) assert.match(reply.text, /<div id="app">/, `${target}: only ever the console page`);
    }
  });

  it('other methods on the pages are 405 with Allow', async () => {
    const response = await get('/console/events', { 'content-type': 'application/json' }, 'POST');
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
  });

  it('GET /graphql from a browser is the IDE; GraphQL over HTTP (GET with query, POST, JSON clients) is unchanged', async () => {
    const ide = await get('/graphql', { accept: BROWSER_ACCEPT });
    assert.equal(ide.status, 200);
    assert.equal(ide.headers.get('content-type'), 'text/html; charset=utf-8');
    assertPageHeaders(ide, '/graphql');
    assert.match(await ide.text(), /<div id="ide">/);

    const viaGet = await get(`/graphql?query=${encodeURIComponent('{ __typename }')}`, { accept: `application/json, ${BROWSER_ACCEPT}`, 'apollo-require-preflight': '1' });
    assert.equal(viaGet.status, 200);
    assert.deepEqual(await viaGet.json(), { data: { __typename: 'Query' } });

    const json = await get('/graphql', { accept: 'application/json' });
    assert.notEqual(json.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(json.status, 400);

    const post = await fetch(`${origin}/graphql`, { method: 'POST', headers: { accept: BROWSER_ACCEPT, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    assert.equal(post.status, 200);
    assert.deepEqual(await post.json(), { data: { __typename: 'Query' } });

    const notHtml = await get('/graphql', { accept: 'text/html;q=0, application/json' });
    assert.notEqual(notHtml.headers.get('content-type'), 'text/html; charset=utf-8');

    // GraphQL answers carry personal data: never cached; and the same URL answers by Accept.
    for (const answer of [viaGet, post]) {
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.match(answer.headers.get('vary') ?? '', /accept/i);
    }
    assert.match(ide.headers.get('vary') ?? '', /accept/i);
  });

  it('has no demo personas outside demo mode', async () => {
    const response = await get('/console/demo-personas.json');
    assert.equal(response.status, 404);
    assert.equal((await response.json() as any).errors[0].extensions.code, 'NOT_FOUND');
  });

  it('counts page requests under their own metrics label, not the client\'s path', async () => {
    await get('/console/events?x=1');
    const metrics = await (await get('/metrics')).text();
    assert.match(metrics, /samgraf_http_responses_total\{path="\/console",status="200"\} \d+/);
    assert.doesNotMatch(metrics, /path="\/console\/events/);
  });

  it('server.console and server.ide false turn the pages off: 404, and GET /graphql is GraphQL only', async () => {
    const off = await startTestServer(seeded.urls, { server: { port: 0, host: '127.0.0.1', console: false, ide: false } });
    try {
      const base = new URL(off.url).origin;
      for (const path of ['/console', '/console/', '/console/events', '/graphql/assets/x.js']) {
        assert.equal((await fetch(`${base}${path}`)).status, 404, path);
      }
      const browser = await fetch(`${base}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      assert.notEqual(browser.headers.get('content-type'), 'text/html; charset=utf-8');
    } finally {
      await off.close();
    }
  });

  it('server.console and server.ide are validated', () => {
    assert.throws(() => parseConfig({ server: { console: 'yes' }, sources: {}, store: { url: 'sqlite::memory:' } }, {}),
      (error) => error instanceof ConfigError && error.problems.some((p) => p.startsWith('server.console:')));
    const defaults = parseConfig({
      sources: { populationRegister: { url: 'sqlite::memory:' }, socialInsurance: { url: 'sqlite::memory:' }, employmentService: { url: 'sqlite::memory:' } },
      store: { url: 'sqlite::memory:' },
    }, {});
    assert.equal(defaults.server.console, true);
    assert.equal(defaults.server.ide, true);
  });
});
