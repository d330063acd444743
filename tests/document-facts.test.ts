/**
 * The facts the HTTP edge reads from a document text (src/document-facts.ts): what they say, that a text is read
 * once and then found, and that the cache stays within its bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DocumentFactsCache, readDocument } from '../src/document-facts.js';

const LIMITS = { maxNesting: 8, maxTokens: 200 };

describe('document facts', () => {
  it('name the first operation that is not a query, the root fields of every operation through fragments, and the counts', () => {
    const facts = readDocument(`query A($x: String @deprecated) { a: me { subject } ...R }
      mutation B { b: me { subject } }
      fragment R on Query { ... on Query { __typename } x: __schema { queryType { name } } }`, LIMITS);
    assert.ok(facts.parsed);
    assert.equal(facts.parsed.notQuery, 'mutation');
    // `me` is data, however deep in a fragment the introspection is.
    assert.equal(facts.parsed.rootSelection, 'data');
    // 3 definitions + 1 variable; 1 directive; 3 aliases (a, b, x).
    assert.deepEqual(facts.parsed.counts, { definitions: 4, directives: 1, aliases: 3 });
  });

  it('root selections: only __typename, only introspection, or data, over every operation and fragment', () => {
    const selection = (text: string) => readDocument(text, LIMITS).parsed?.rootSelection;
    assert.equal(selection('{ __typename }'), 'typename');
    assert.equal(selection('query A { __typename } query B { ...T } fragment T on Query { t: __typename }'), 'typename');
    assert.equal(selection('{ __typename __schema { queryType { name } } }'), 'introspection');
    assert.equal(selection('query A { __typename } query B { __type(name: "Citizen") { name } }'), 'introspection');
    assert.equal(selection('query A { __typename } query B { ...F } fragment F on Query { me { subject } }'), 'data');
    // A fragment that spreads itself (refused later by validation) is walked once.
    assert.equal(selection('{ ...F } fragment F on Query { __typename ...F }'), 'typename');
  });

  it('an entry holds no name from the text, however long the names', () => {
    const long = `x${'y'.repeat(100_000)}`;
    const facts = readDocument(`{ ${long} }`, { maxNesting: 8, maxTokens: 10 });
    assert.ok(!JSON.stringify(facts).includes('yyyy'), 'no name is kept');
    assert.equal(facts.parsed?.rootSelection, 'data');
  });

  it('a text that does not parse, or nests deeper than may be parsed, has no parsed facts; its nesting is still known', () => {
    const broken = readDocument('{ me { subject }', LIMITS);
    assert.equal(broken.parsed, null);
    assert.equal(broken.nesting, 2);
    const deep = readDocument(`{ ${'a { '.repeat(9)}b${' }'.repeat(9)} }`, LIMITS);
    assert.equal(deep.nesting, 10);
    assert.equal(deep.parsed, null);
    const tooManyTokens = readDocument(`{ ${'a '.repeat(300)} }`, LIMITS);
    assert.equal(tooManyTokens.parsed, null);
  });

  it('a text is read once: the same text gives the same facts object, another text other facts', () => {
    const cache = new DocumentFactsCache(LIMITS);
    const first = cache.read('{ me { subject } }');
    assert.equal(cache.read('{ me { subject } }'), first);
    assert.notEqual(cache.read('{ me { type } }'), first);
    assert.equal(cache.size, 2);
  });

  it('texts that UTF-8 would make equal (a lone surrogate and U+FFFD) never share facts, in either order', () => {
    const surrogate = '#\uD800\nmutation { me { subject } }';
    const replacement = '#\uFFFD\nmutation { me { subject } }';
    for (const [first, second] of [[surrogate, replacement], [replacement, surrogate]] as const) {
      const cache = new DocumentFactsCache(LIMITS);
      const facts = { [first]: cache.read(first), [second]: cache.read(second) };
      assert.equal(facts[surrogate]!.parsed, null, 'graphql-js refuses the lone surrogate');
      assert.equal(facts[replacement]!.parsed?.notQuery, 'mutation');
      assert.equal(cache.size, 2);
    }
  });

  it('keeps at most maxEntries texts, dropping the oldest first', () => {
    const cache = new DocumentFactsCache(LIMITS, 3);
    const texts = ['{ a }', '{ b }', '{ c }', '{ d }'];
    const facts = texts.map((text) => cache.read(text));
    assert.equal(cache.size, 3);
    // '{ a }' was dropped: read anew (a new object); '{ d }' is still there.
    assert.notEqual(cache.read('{ a }'), facts[0]);
    assert.equal(cache.read('{ d }'), facts[3]);
    assert.equal(cache.size, 3);
  });
});
