/**
 * Operation-level access control, before anything executes: without credentials only schema metadata
 * (`__typename`, introspection) is served (else UNAUTHENTICATED, 401); an operation that selects a
 * `@personalData` root field needs an accepted purpose of use (PURPOSE_REQUIRED / PURPOSE_UNKNOWN / PURPOSE_NOT_ALLOWED).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { RequestContext } from '../context.js';
import { AuthenticationError } from '../security/errors.js';
import { resolvePurpose } from '../security/purpose.js';
import { readFieldRules } from '../security/rules.js';

export type IntrospectionPolicy = 'everyone' | 'authenticated' | 'scope';

export function accessControlPlugin(schema: GraphQLSchema, introspection: IntrospectionPolicy, purposes: readonly string[]): ApolloServerPlugin<RequestContext> {
  const rules = readFieldRules(schema);
  const rootType = (operation: OperationDefinitionNode) => schema.getRootType(operation.operation)?.name ?? 'Query';
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, contextValue }) {
          if (!operation) return;
          if (operation.operation !== 'query') {
            throw new GraphQLError(`samgraf serves queries only, not ${operation.operation}s`, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
          const fragments = new Map(document.definitions
            .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
            .map((d) => [d.name.value, d]));
          const fields = rootFieldNames(operation.selectionSet, fragments);
          const dataFields = fields.filter((name) => !name.startsWith('__'));
          if (fields.some((name) => name === '__schema' || name === '__type')) checkIntrospection(introspection, contextValue);
          if (contextValue.principal === null) {
            if (dataFields.length > 0) throw new AuthenticationError('MISSING');
            return;
          }
          contextValue.readsPersonalData = dataFields.some((name) => rules.get(`${rootType(operation)}.${name}`)?.personalData);
          if (contextValue.readsPersonalData) contextValue.purpose = resolvePurpose(contextValue.principal, contextValue.declarations.purposeHeader, purposes);
        },
      };
    },
  };
}

/** Introspection describes the whole schema: in production only for principals allowed it. */
function checkIntrospection(policy: IntrospectionPolicy, ctx: RequestContext): void {
  if (policy === 'everyone') return;
  if (ctx.principal === null) throw new AuthenticationError('MISSING');
  if (policy === 'scope' && !ctx.principal.scopes.has('schema:read')) {
    throw new GraphQLError('introspection needs the scope schema:read', { extensions: { code: 'INTROSPECTION_NOT_ALLOWED', http: { status: 403 } } });
  }
}

/** The root fields an operation selects, through fragments and inline fragments. */
export function rootFieldNames(selectionSet: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen = new Set<string>()): string[] {
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
