/**
 * What an access-log event should say about one GraphQL response, worked out from the response itself (and
 * the query that produced it), independently of the server's own bookkeeping:
 * - `read`: every `Type.field` coordinate that appears in the response and was served (not an error, not
 *   silently masked);
 * - `denied`: the coordinates of UNAUTHORIZED_FIELD_OR_TYPE errors (from their paths);
 * - `masked`: fields of a protected person that came back empty because the caller lacks
 *   `citizen:protected:read`;
 * - `subjects`: whose data appears, with the categories of it (product.md's DataCategory): a Citizen by its
 *   `personalNumber`, a Benefit or Case by its owner (from the legacy rows, by id, else the enclosing
 *   citizen), and, in an auditor's answer, the personal numbers that access-log events name.
 * Also: a small CSV reader and Swedish calendar days.
 */
import {
  getNamedType, isObjectType, Kind, parse,
  type FieldNode, type FragmentDefinitionNode, type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { Temporal } from 'temporal-polyfill';

export type Category = 'IDENTITY' | 'ADDRESS' | 'RELATIONS' | 'BENEFITS' | 'CASES' | 'ACCESS_LOG';

/** An access-log event's fields that name people: reading the event reads about each of them. */
const EVENT_PEOPLE = new Set(['subjects', 'subjectsWithheld', 'subjectsRequested']);

/** Citizen fields that are not identity data; every other Citizen field is IDENTITY. */
const CITIZEN_CATEGORY: Readonly<Record<string, Category>> = {
  address: 'ADDRESS', municipalityCode: 'ADDRESS', countyCode: 'ADDRESS', relations: 'RELATIONS', benefits: 'BENEFITS', cases: 'CASES',
};

/** product.md: address, municipality (and the SDL's county) and relations are empty for protected persons. */
const MASKED_WHEN_PROTECTED = new Set(['address', 'municipalityCode', 'countyCode', 'relations']);

export interface ResponseLike {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface AnalyseOptions {
  /** Personal numbers of people with a protected identity. */
  protectedPersons: ReadonlySet<string>;
  /** Whether the caller holds `citizen:protected:read`. */
  protectedScope: boolean;
  benefitOwner: ReadonlyMap<string, string>;
  caseOwner: ReadonlyMap<string, string>;
}

export interface Analysis {
  /** Every coordinate the document selects (what could possibly be read). */
  selected: Set<string>;
  read: Set<string>;
  denied: Set<string>;
  masked: Set<string>;
  subjects: Map<string, Set<Category>>;
  errorCodes: string[];
  /** Things in the response that contradict the rules (e.g. a protected person's address served). */
  problems: string[];
}

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

function fieldsOf(type: GraphQLObjectType, selectionSet: SelectionSetNode, fragments: Fragments): Map<string, FieldNode[]> {
  const out = new Map<string, FieldNode[]>();
  const visit = (set: SelectionSetNode, seen: Set<string>) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        out.set(key, [...(out.get(key) ?? []), selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || selection.typeCondition.name.value === type.name) visit(selection.selectionSet, seen);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !seen.has(fragment.name.value) && fragment.typeCondition.name.value === type.name) {
          visit(fragment.selectionSet, new Set([...seen, fragment.name.value]));
        }
      }
    }
  };
  visit(selectionSet, new Set());
  return out;
}

function merged(nodes: readonly FieldNode[]): SelectionSetNode {
  return { kind: Kind.SELECTION_SET, selections: nodes.flatMap((node) => node.selectionSet?.selections ?? []) };
}

interface Parsed {
  operation: OperationDefinitionNode;
  fragments: Fragments;
}

function parseQuery(query: string): Parsed {
  const document = parse(query);
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) throw new Error('the test analyses documents with exactly one operation');
  const fragments = new Map(document.definitions
    .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => [d.name.value, d]));
  return { operation: operations[0]!, fragments };
}

/** Every coordinate a document selects, whatever the data. */
export function selectedCoordinates(schema: GraphQLSchema, query: string): Set<string> {
  const { operation, fragments } = parseQuery(query);
  const selected = new Set<string>();
  const walk = (type: GraphQLObjectType, set: SelectionSetNode) => {
    for (const [, nodes] of fieldsOf(type, set, fragments)) {
      const name = nodes[0]!.name.value;
      if (name.startsWith('__')) continue;
      const field = type.getFields()[name];
      if (!field) continue;
      selected.add(`${type.name}.${name}`);
      const named = getNamedType(field.type);
      if (isObjectType(named)) walk(named, merged(nodes));
    }
  };
  walk(schema.getQueryType()!, operation.selectionSet);
  return selected;
}

/** The coordinate a response path names, e.g. ['citizen', 'cases'] → Citizen.cases. */
export function coordinateAt(schema: GraphQLSchema, query: string, path: readonly (string | number)[]): string | null {
  const { operation, fragments } = parseQuery(query);
  let type: GraphQLObjectType = schema.getQueryType()!;
  let set = operation.selectionSet;
  let coordinate: string | null = null;
  for (const segment of path) {
    if (typeof segment === 'number') continue;
    const nodes = fieldsOf(type, set, fragments).get(segment);
    if (!nodes) return null;
    const name = nodes[0]!.name.value;
    coordinate = `${type.name}.${name}`;
    const named = getNamedType(type.getFields()[name]!.type);
    if (isObjectType(named)) {
      type = named;
      set = merged(nodes);
    }
  }
  return coordinate;
}

export function analyseResponse(schema: GraphQLSchema, query: string, response: ResponseLike, options: AnalyseOptions): Analysis {
  const { operation, fragments } = parseQuery(query);
  const analysis: Analysis = {
    selected: selectedCoordinates(schema, query),
    read: new Set(),
    denied: new Set(),
    masked: new Set(),
    subjects: new Map(),
    errorCodes: (response.errors ?? []).map((e) => String(e.extensions?.code)),
    problems: [],
  };
  const errorPaths = new Set((response.errors ?? []).filter((e) => e.path).map((e) => JSON.stringify(e.path)));
  for (const error of response.errors ?? []) {
    if (error.extensions?.code !== 'UNAUTHORIZED_FIELD_OR_TYPE') continue;
    const coordinate = error.path ? coordinateAt(schema, query, error.path) : null;
    if (coordinate === null) analysis.problems.push(`an UNAUTHORIZED_FIELD_OR_TYPE error without a resolvable path: ${JSON.stringify(error.path)}`);
    else analysis.denied.add(coordinate);
  }
  const addSubject = (subject: string | null, category: Category, where: string) => {
    if (subject === null) {
      analysis.problems.push(`cannot tell whose data ${where} is: select personalNumber / id`);
      return;
    }
    const categories = analysis.subjects.get(subject) ?? new Set<Category>();
    categories.add(category);
    analysis.subjects.set(subject, categories);
  };
  const ownerOf = (type: GraphQLObjectType, item: Record<string, unknown>, enclosing: string | null): string | null => {
    if (type.name === 'Citizen') return typeof item.personalNumber === 'string' ? item.personalNumber : null;
    if (type.name === 'Benefit') return options.benefitOwner.get(String(item.id)) ?? enclosing;
    if (type.name === 'Case') return options.caseOwner.get(String(item.id)) ?? enclosing;
    return enclosing;
  };
  const walk = (type: GraphQLObjectType, object: Record<string, unknown>, set: SelectionSetNode, path: (string | number)[], owner: string | null) => {
    for (const [key, nodes] of fieldsOf(type, set, fragments)) {
      const name = nodes[0]!.name.value;
      if (name.startsWith('__') || !(key in object)) continue;
      const fieldPath = [...path, key];
      if (errorPaths.has(JSON.stringify(fieldPath))) continue;
      const coordinate = `${type.name}.${name}`;
      const value = object[key];
      if (type.name === 'Citizen' && MASKED_WHEN_PROTECTED.has(name) && !options.protectedScope && owner !== null && options.protectedPersons.has(owner)) {
        analysis.masked.add(coordinate);
        if (!(value === null || (Array.isArray(value) && value.length === 0))) analysis.problems.push(`${coordinate} served for a protected person at ${fieldPath.join('.')}`);
        continue;
      }
      analysis.read.add(coordinate);
      if (type.name === 'Citizen') addSubject(owner, CITIZEN_CATEGORY[name] ?? 'IDENTITY', coordinate);
      else if (type.name === 'Benefit') addSubject(owner, 'BENEFITS', coordinate);
      else if (type.name === 'Case') addSubject(owner, 'CASES', coordinate);
      else if (type.name === 'AuditEvent' && EVENT_PEOPLE.has(name) && Array.isArray(value)) for (const s of value) addSubject(String(s), 'ACCESS_LOG', coordinate);
      else if (type.name === 'AuditPrincipal' && name === 'subject' && typeof value === 'string') {
        if (!('type' in object)) analysis.problems.push('select AuditPrincipal.type next to subject');
        else if (object.type === 'CITIZEN') addSubject(value, 'ACCESS_LOG', coordinate);
      }
      const named = getNamedType(type.getFields()[name]!.type);
      if (!isObjectType(named) || value === null || value === undefined) continue;
      const sub = merged(nodes);
      const visitItem = (item: unknown, itemPath: (string | number)[]) => {
        if (item === null || item === undefined) return;
        if (Array.isArray(item)) {
          item.forEach((inner, i) => visitItem(inner, [...itemPath, i]));
          return;
        }
        const record = item as Record<string, unknown>;
        walk(named, record, sub, itemPath, ownerOf(named, record, owner));
      };
      visitItem(value, fieldPath);
    }
  };
  if (response.data) walk(schema.getQueryType()!, response.data, operation.selectionSet, [], null);
  return analysis;
}

export type Outcome = 'OK' | 'PARTIAL' | 'DENIED' | 'ERROR';

/** The outcome rules (plugins/access-log.ts, restated): refusal; other errors; denials or withholding; else OK. */
export function outcomeByRules(errorCodes: readonly string[], returnedData: boolean, deniedOrWithheld: boolean): Outcome {
  if (errorCodes.some((code) => code === 'PURPOSE_REQUIRED' || code === 'PURPOSE_NOT_ALLOWED' || code === 'PURPOSE_UNKNOWN')) return 'DENIED';
  if (errorCodes.some((code) => code !== 'UNAUTHORIZED_FIELD_OR_TYPE')) return returnedData ? 'PARTIAL' : 'ERROR';
  if (deniedOrWithheld) return returnedData ? 'PARTIAL' : 'DENIED';
  return 'OK';
}

export function sortedCategories(subjects: ReadonlyMap<string, ReadonlySet<Category>>): Record<string, Category[]> {
  return Object.fromEntries([...subjects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([s, c]) => [s, [...c].sort()]));
}

/** RFC 4180: quoted fields with doubled quotes, commas and line breaks inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (ch === '"') { quoted = false; i += 1; continue; }
      cell += ch; i += 1; continue;
    }
    if (ch === '"' && cell === '') { quoted = true; i += 1; continue; }
    if (ch === ',') { row.push(cell); cell = ''; i += 1; continue; }
    if (ch === '\r' && text[i + 1] === '\n') { i += 1; continue; }
    if (ch === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 1; continue; }
    cell += ch; i += 1;
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}

/** The Swedish calendar day of an instant. */
export function stockholmDate(instant: string | number): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO('Europe/Stockholm').toPlainDate().toString();
}

/** Noon, Swedish time, `daysAgo` Swedish calendar days before today, as an ISO instant (Z). */
export function stockholmNoonDaysAgo(daysAgo: number): string {
  const day = Temporal.Now.plainDateISO('Europe/Stockholm').subtract({ days: daysAgo });
  const ms = day.toZonedDateTime({ timeZone: 'Europe/Stockholm', plainTime: Temporal.PlainTime.from('12:00') }).epochMilliseconds;
  return new Date(ms).toISOString();
}

/** The same instant written with another UTC offset, e.g. +01:00. */
export function withOffset(iso: string, offsetMinutes: number): string {
  const ms = Date.parse(iso) + offsetMinutes * 60_000;
  const local = new Date(ms).toISOString().replace('Z', '');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
