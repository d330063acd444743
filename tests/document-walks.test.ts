import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema, Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { fragmentsOf, rootFieldNames } from '../src/document.js';
import { operationLabel } from '../src/plugins/metrics.js';

const operations = (document: DocumentNode) => document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);

test('root fields are read through fragments, each fragment once, a cycle included', () => {
  const document = parse('query A { ...F ... on Query { b } } fragment F on Query { a ...G } fragment G on Query { c ...F }');
  assert.deepEqual(rootFieldNames(operations(document)[0]!.selectionSet, fragmentsOf(document)), ['a', 'c', 'b']);
});

test('what is kept for one parsed document is never the answer for another with the same text or names', () => {
  const first = parse('query Q { ...F } fragment F on Query { a }');
  const second = parse('query Q { ...F } fragment F on Query { b }');
  const third = parse('query Q { ...F } fragment F on Query { a }');
  assert.deepEqual(rootFieldNames(operations(first)[0]!.selectionSet, fragmentsOf(first)), ['a']);
  assert.deepEqual(rootFieldNames(operations(second)[0]!.selectionSet, fragmentsOf(second)), ['b']);
  assert.deepEqual(rootFieldNames(operations(third)[0]!.selectionSet, fragmentsOf(third)), ['a']);
  // The same document asked again: the same (frozen) answer, not a walk that a caller could have changed.
  const again = rootFieldNames(operations(first)[0]!.selectionSet, fragmentsOf(first));
  assert.equal(again, rootFieldNames(operations(first)[0]!.selectionSet, fragmentsOf(first)));
  assert.ok(Object.isFrozen(again));
  assert.equal(fragmentsOf(first), fragmentsOf(first));
  assert.notEqual(fragmentsOf(first), fragmentsOf(third));
});

test('the metrics label of an operation names only root fields its schema has, per schema', () => {
  const document = parse('{ b: citizen a: nothing ...F __typename } fragment F on Query { cases }');
  const [operation] = operations(document);
  const full = buildSchema('type Query { citizen: Int cases: Int }');
  const narrow = buildSchema('type Query { cases: Int }');
  assert.equal(operationLabel(full, document, operation), '__typename,cases,citizen');
  assert.equal(operationLabel(narrow, document, operation), '__typename,cases');
  assert.equal(operationLabel(full, document, operation), '__typename,cases,citizen');
  assert.equal(operationLabel(full, document, null), 'none');
});
