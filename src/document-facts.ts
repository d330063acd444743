/**
 * What the HTTP edge must know of a document before Apollo sees it — how deep its brackets nest, whether it
 * parses, what its operations are and select at the root, what it counts against the pre-validation limits —
 * read once per document text and kept under the text's SHA-256. Clients send the same few documents again
 * and again, and parsing and walking each one anew cost more than the rest of the edge's checks together.
 *
 * Facts are kept, not the parsed document nor any name from it: an entry is a few dozen bytes whatever the
 * text's size (a name can be as long as the body), so the cache stays small even when every entry is an
 * attacker's largest document.
 */
import { hash } from 'node:crypto';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { fragmentsOf, rootFieldNames } from './document.js';
import { bracketNesting, countDocument, type DocumentCounts } from './plugins/limits.js';

export interface DocumentFacts {
  /** The deepest bracket nesting of the text (see bracketNesting). */
  nesting: number;
  /** Null when the text nests deeper than may be parsed, or does not parse (Apollo then says why). */
  parsed: ParsedFacts | null;
}

export interface ParsedFacts {
  /**
   * The first operation samgraf does not serve, by kind (`mutation`, `subscription`), if any: every operation but
   * a query, and a mutation of the served mutation fields alone (`reviewFinding`).
   */
  notQuery: string | null;
  /**
   * What the operations select at the root, through fragments, as far as a caller without credentials is
   * concerned: only `__typename` (or nothing), only introspection (`__typename`, `__schema`, `__type`), or data.
   */
  rootSelection: RootSelection;
  counts: DocumentCounts;
}

export type RootSelection = 'typename' | 'introspection' | 'data';

function rootSelectionOf(names: readonly string[]): RootSelection {
  if (names.every((name) => name === '__typename')) return 'typename';
  return names.every((name) => name.startsWith('__')) ? 'introspection' : 'data';
}

export class DocumentFactsCache {
  private readonly entries = new Map<string, DocumentFacts>();

  constructor(
    private readonly limits: { maxNesting: number; maxTokens: number; servedMutations?: ReadonlySet<string> },
    private readonly maxEntries = 1000,
  ) {}

  /** The facts of a document text, read now or found from an earlier request with the same text. */
  read(text: string): DocumentFacts {
    // The text's UTF-16 code units, not UTF-8: encoding to UTF-8 turns a lone surrogate (which graphql-js refuses)
    // into U+FFFD (which it accepts), and two texts that differ so must never share their facts.
    const key = hash('sha256', Buffer.from(text, 'utf16le'), 'base64');
    let facts = this.entries.get(key);
    if (facts === undefined) {
      facts = readDocument(text, this.limits);
      // First in, first out: clients repeat a few documents, which come back at once if a flood pushed them out.
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, facts);
    }
    return facts;
  }

  get size(): number {
    return this.entries.size;
  }
}

export function readDocument(text: string, { maxNesting, maxTokens, servedMutations = new Set() }: { maxNesting: number; maxTokens: number; servedMutations?: ReadonlySet<string> }): DocumentFacts {
  const nesting = bracketNesting(text);
  if (nesting > maxNesting) return { nesting, parsed: null };
  let document;
  try {
    document = parse(text, { maxTokens });
  } catch {
    return { nesting, parsed: null };
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const fragments = fragmentsOf(document);
  return {
    nesting,
    parsed: {
      notQuery: operations.find((operation) => operation.operation !== 'query' && !(operation.operation === 'mutation'
        && rootFieldNames(operation.selectionSet, fragments).every((name) => name === '__typename' || servedMutations.has(name))))?.operation ?? null,
      rootSelection: rootSelectionOf(operations.flatMap((operation) => rootFieldNames(operation.selectionSet, fragments))),
      counts: countDocument(document),
    },
  };
}
