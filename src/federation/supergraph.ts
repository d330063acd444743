/**
 * Reads a supergraph back as a schema whose directives samgraf's readers understand: the rule table
 * (`samgraf policy matrix --supergraph FILE`) and what is personal data. The join and link directives stay on
 * it and are ignored; the supergraph is not validated as a plain schema (it links specs graphql-js does not
 * know), only parsed, since a composer wrote it.
 */
import { getDirective } from '@graphql-tools/utils';
import { buildASTSchema, GraphQLError, isEnumType, parse, type GraphQLSchema } from 'graphql';

export class SupergraphError extends Error {
  constructor(problem: string) {
    super(`not a supergraph: ${problem}`);
    this.name = 'SupergraphError';
  }
}

export function supergraphSchema(supergraphSdl: string): GraphQLSchema {
  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(parse(supergraphSdl), { assumeValidSDL: true });
  } catch (error) {
    if (error instanceof GraphQLError) throw new SupergraphError(error.message);
    throw error;
  }
  // Every composer writes the join spec's enum of subgraphs: without it this is some other schema.
  if (!isEnumType(schema.getType('join__Graph'))) throw new SupergraphError('it names no subgraphs (no join__Graph), so no composer wrote it');
  supergraphParts(schema);
  return schema;
}

export interface SupergraphPart {
  /** The part's name as it was composed: a source module's, or samgraf's own. */
  name: string;
  url: string;
}

/** The supergraph's parts by their `join__Graph` value (each composer spells those values its own way). */
export function supergraphParts(schema: GraphQLSchema): Map<string, SupergraphPart> {
  const graphs = schema.getType('join__Graph');
  if (!isEnumType(graphs)) throw new SupergraphError('it names no subgraphs (no join__Graph)');
  return new Map(graphs.getValues().map((value) => {
    const graph = getDirective(schema, value, 'join__graph')?.[0] as SupergraphPart | undefined;
    if (graph === undefined) throw new SupergraphError(`join__Graph.${value.name} has no @join__graph`);
    return [value.name, { name: graph.name, url: graph.url }];
  }));
}
