/**
 * `samgraf documents add|list|remove`: a client's trusted documents (src/security/trusted-documents.ts).
 *
 * A document is judged once, here, as a request carrying it would be: it must parse, fit the schema, hold no
 * subscription, and keep within the limits (nesting, definitions, directives, depth, and each operation's root fields,
 * aliases and cost at the list sizes a request without variables gets; list sizes that variables give are
 * checked again with each request's variables). One document that fails refuses the whole command: nothing is
 * stored, and the message names the file, the document and the reason.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { GraphQLError, Kind, parse, specifiedRules, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { LimitsConfig } from '../config.js';
import { bracketNesting, countDocument, depthLimitRule, documentBoundsError, maxBracketNesting, operationShapeError } from '../plugins/limits.js';
import { documentId, type TrustedDocument } from '../security/trusted-documents.js';
import { CommandInputError, formatTable } from './apikey.js';

/** A document to register: where it came from (for messages), its text, and the id its manifest gave it. */
export interface DocumentInput {
  origin: string;
  text: string;
  declaredId?: string;
}

export interface CheckedDocument {
  text: string;
  operations: string[];
}

const APOLLO_MANIFEST_FORMAT = 'apollo-persisted-query-manifest';
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The documents in a file: a `.json` file is a manifest — Apollo's (`{ format: "apollo-persisted-query-manifest",
 * version: 1, operations: [{ id, name, type, body }] }`, written by @apollo/generate-persisted-query-manifest) or
 * The Guild's (`{ "<id>": "<document>" }`, written by graphql-codegen's client preset) — any other file is one
 * GraphQL document.
 */
export function documentsInFile(path: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): DocumentInput[] {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    throw new CommandInputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  // An editor's byte-order mark is no part of the document: the id clients compute is of the text after it.
  text = text.replace(/^\uFEFF/, '');
  if (extname(path).toLowerCase() !== '.json') return [{ origin: path, text }];
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new CommandInputError(`${path} is not valid JSON: a manifest is Apollo's persisted-query manifest or a JSON object of id → document`);
  }
  if (isObject(manifest) && manifest.format === APOLLO_MANIFEST_FORMAT) {
    if (manifest.version !== 1) throw new CommandInputError(`${path}: only version 1 of ${APOLLO_MANIFEST_FORMAT} is supported`);
    if (!Array.isArray(manifest.operations)) throw new CommandInputError(`${path}: operations must be a list`);
    return manifest.operations.map((operation, i) => {
      if (!isObject(operation) || typeof operation.body !== 'string' || typeof operation.id !== 'string') {
        throw new CommandInputError(`${path}: operations[${i}] needs an id and a body (strings)`);
      }
      return { origin: `${path} operations[${i}]${typeof operation.name === 'string' ? ` (${operation.name})` : ''}`, text: operation.body, declaredId: operation.id };
    });
  }
  if (isObject(manifest) && Object.values(manifest).every((value) => typeof value === 'string')) {
    return Object.entries(manifest).map(([id, body]) => ({ origin: `${path} "${id.slice(0, 80)}"`, text: body as string, declaredId: id }));
  }
  throw new CommandInputError(`${path}: not a manifest samgraf reads (Apollo's persisted-query manifest, or a JSON object of id → document)`);
}

/** The document as a request would run it, or the reason it could not be run. */
export function checkDocument(input: DocumentInput, schema: GraphQLSchema, limits: LimitsConfig): CheckedDocument {
  const refuse = (reason: string): never => {
    throw new CommandInputError(`${input.origin}: ${reason}`);
  };
  if (input.declaredId !== undefined && input.declaredId !== documentId(input.text)) {
    refuse(`its id ${input.declaredId.slice(0, 80)} is not the SHA-256 of its text (${documentId(input.text)}); samgraf stores each document by its SHA-256`);
  }
  if (input.text.trim() === '') refuse('the document is empty');
  if (Buffer.byteLength(input.text, 'utf8') > limits.maxBodyBytes) refuse(`the document is larger than a request may be (limits.maxBodyBytes, ${limits.maxBodyBytes} bytes)`);
  if (bracketNesting(input.text) > maxBracketNesting(limits.maxDepth)) refuse(`the document nests deeper than the limit (${limits.maxDepth} levels of fields)`);
  let document: DocumentNode;
  try {
    document = parse(input.text, { maxTokens: limits.maxTokens });
  } catch (error) {
    return refuse(`not valid GraphQL: ${(error as GraphQLError).message}`);
  }
  const bounds = documentBoundsError(countDocument(document), limits);
  if (bounds) refuse(bounds.message);
  const operations = document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (operations.length === 0) refuse('the document defines no operation');
  // Mutations are the schema's to judge (it has one, reviewFinding); subscriptions samgraf serves none of.
  if (operations.some((operation) => operation.operation === 'subscription')) refuse('samgraf serves no subscriptions');
  const errors = validate(schema, document, [...specifiedRules, depthLimitRule(limits.maxDepth)]);
  if (errors.length > 0) refuse(`does not fit the schema: ${errors.slice(0, 3).map((error) => error.message).join('; ')}`);
  for (const operation of operations) {
    const shape = operationShapeError(schema, document, operation, {}, limits);
    if (shape) refuse(`${operation.name ? `operation ${operation.name.value}: ` : ''}${shape.message}`);
  }
  return { text: input.text, operations: operations.map((operation) => operation.name?.value ?? '(anonymous)') };
}

export function formatDocumentList(documents: readonly TrustedDocument[]): string {
  if (documents.length === 0) return 'no trusted documents\n';
  const header = ['client', 'id', 'operations', 'added'];
  const rows = documents.map((document) => [document.client, document.id, document.operations.join(' '), document.addedAt.toISOString()]);
  return formatTable(header, rows);
}
