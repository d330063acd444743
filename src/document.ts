/**
 * Walking a GraphQL document's fragments, one way for every part of samgraf that reads a document before it
 * executes (the edge, access control, limits, metrics): fragments by name, the root fields an operation
 * selects, and the fragments a selection set spreads. Each walk visits a fragment once, so a document that
 * spreads fragments into each other many times, or in a cycle (which validation refuses later), costs
 * linear work.
 */
import { Kind, visit, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

export type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

export function fragmentsOf(document: DocumentNode | undefined): Fragments {
  return new Map((document?.definitions ?? [])
    .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => [d.name.value, d]));
}

/** The root fields an operation selects, through fragments and inline fragments. */
export function rootFieldNames(selectionSet: SelectionSetNode, fragments: Fragments, seen = new Set<string>()): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootFieldNames(selection.selectionSet, fragments, seen);
    const name = selection.name.value;
    const fragment = fragments.get(name);
    if (!fragment || seen.has(name)) return [];
    seen.add(name);
    return rootFieldNames(fragment.selectionSet, fragments, seen);
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
