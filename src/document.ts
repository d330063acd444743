/**
 * Walking a GraphQL document's fragments, one way for every part of samgraf that reads a document before it
 * executes (the edge, access control, limits, metrics): fragments by name, the root fields an operation
 * selects, and the fragments a selection set spreads. Each walk visits a fragment once, so a document that
 * spreads fragments into each other many times, or in a cycle (which validation refuses later), costs
 * linear work.
 */
import { Kind, visit, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

export type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

/**
 * Both walks below are kept per parsed document (held weakly): Apollo hands out the same document for the same
 * text, and the edge, access control, limits and metrics each ask about every request's operation. Documents are
 * never changed once parsed, so an answer kept for one stays true.
 */
const fragmentsByDocument = new WeakMap<DocumentNode, Fragments>();
const rootFieldsBySelection = new WeakMap<Fragments, WeakMap<SelectionSetNode, readonly string[]>>();
const NO_FRAGMENTS: Fragments = new Map();

/** What `kept` holds for `node`, made by `make` the first time it is asked for. */
export function keptWith<K extends object, V>(kept: WeakMap<K, V>, node: K, make: () => V): V {
  let value = kept.get(node);
  if (value === undefined) {
    value = make();
    kept.set(node, value);
  }
  return value;
}

export function fragmentsOf(document: DocumentNode | undefined): Fragments {
  if (document === undefined) return NO_FRAGMENTS;
  return keptWith(fragmentsByDocument, document, () => new Map(document.definitions
    .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => [d.name.value, d])));
}

/** The root fields an operation selects, through fragments and inline fragments. */
export function rootFieldNames(selectionSet: SelectionSetNode, fragments: Fragments): readonly string[] {
  const bySelection = keptWith(rootFieldsBySelection, fragments, () => new WeakMap<SelectionSetNode, readonly string[]>());
  return keptWith(bySelection, selectionSet, () => Object.freeze(walkRootFields(selectionSet, fragments, new Set())));
}

function walkRootFields(selectionSet: SelectionSetNode, fragments: Fragments, seen: Set<string>): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return walkRootFields(selection.selectionSet, fragments, seen);
    const name = selection.name.value;
    const fragment = fragments.get(name);
    if (!fragment || seen.has(name)) return [];
    seen.add(name);
    return walkRootFields(fragment.selectionSet, fragments, seen);
  });
}

/** The fragment definitions a selection set spreads, directly or through other fragments. */
export function fragmentsUsedBy(selectionSet: SelectionSetNode, fragments: Fragments, seen = new Map<string, FragmentDefinitionNode>()): FragmentDefinitionNode[] {
  visit(selectionSet, {
    FragmentSpread(node) {
      const fragment = fragments.get(node.name.value);
      if (!fragment || seen.has(fragment.name.value)) return;
      seen.set(fragment.name.value, fragment);
      fragmentsUsedBy(fragment.selectionSet, fragments, seen);
    },
  });
  return [...seen.values()];
}
