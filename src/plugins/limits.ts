/**
 * Document limits, checked before execution. Deep documents are refused by a validation rule; huge ones by
 * the parser's token limit, before they can exhaust the stack.
 */
import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';

export const DEFAULT_LIMITS = { maxDepth: 15, maxTokens: 20_000 } as const;

export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(context.getDocument().definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]));
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, fragments, maxDepth + 1, new Set());
        if (depth > maxDepth) {
          context.reportError(new GraphQLError(`the query is nested ${depth > maxDepth ? `deeper than ${maxDepth}` : depth} levels; the limit is ${maxDepth}`, {
            nodes: [operation],
            extensions: { code: 'QUERY_TOO_DEEP' },
          }));
        }
      },
    };
  };
}

/** Depth in fields (fragments count as their fields), stopping once past `stopAt`. */
function depthOf(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, stopAt: number, visiting: Set<string>): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      depth = selection.selectionSet ? 1 + (stopAt > 1 ? depthOf(selection.selectionSet, fragments, stopAt - 1, visiting) : 1) : 1;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = depthOf(selection.selectionSet, fragments, stopAt, visiting);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !visiting.has(fragment.name.value)) {
        visiting.add(fragment.name.value);
        depth = depthOf(fragment.selectionSet, fragments, stopAt, visiting);
        visiting.delete(fragment.name.value);
      }
    }
    deepest = Math.max(deepest, depth);
    if (deepest > stopAt) break;
  }
  return deepest;
}
