/**
 * What one request did with personal data, collected while it executes: the fields served, denied and
 * masked (`Type.field`), whose data was returned and which categories of it, and who was withheld by a row
 * restriction. The access-log plugin turns it into the request's event.
 */
import type { PersonalDataFacts } from '../security/personal-data.js';
import type { AuditEvent, DataCategory } from './event.js';

/** Whom an access-log event is about: its subjects, those withheld, and a citizen principal. */
export function peopleNamedBy(event: AuditEvent): string[] {
  return [...event.subjects, ...event.subjectsWithheld, ...(event.subjectsRequested ?? []), ...(event.principal.type === 'CITIZEN' ? [event.principal.subject] : [])];
}

/**
 * What serving one field means for the access log, worked out once per field when the schema is built:
 * its coordinate, and whom it makes a subject — the person whose object it is (in a category), everyone an
 * access-log event names, or nobody.
 */
export interface ServedField {
  coordinate: string;
  subjects: { of: 'parent'; category: DataCategory } | { of: 'event' } | { of: 'finding' } | null;
}

export function servedField(typeName: string, fieldName: string, facts: PersonalDataFacts): ServedField {
  const coordinate = `${typeName}.${fieldName}`;
  // Any field of an access-log event is data about the people it names, whichever fields are asked for.
  if (typeName === 'AuditEvent') return { coordinate, subjects: { of: 'event' } };
  // A follow-up finding names the persons it is about, whichever of its fields are asked for.
  if (typeName === 'AuditFinding') return { coordinate, subjects: { of: 'finding' } };
  const category = facts.fieldCategories.get(coordinate);
  return { coordinate, subjects: category === undefined ? null : { of: 'parent', category } };
}

/**
 * The category in which a field that returns objects of `typeName` makes their people subjects, or null when
 * it returns no personal type. Returning such an object at all tells that its person exists (null would say
 * nobody), so it is a read of that person even when only `__typename` or only denied fields are selected; an
 * edge of a list of persons likewise stands for its node's person.
 */
export function categoryOfReturned(typeName: string, facts: PersonalDataFacts): DataCategory | null {
  return facts.types.get(typeName)?.category ?? facts.edges.get(typeName)?.category ?? null;
}

/** The person an object of a personal type, or an edge of one, belongs to. */
function personOf(object: unknown): unknown {
  const owned = object as { personalNumber?: unknown; node?: { personalNumber?: unknown } | null } | null;
  return owned?.personalNumber ?? owned?.node?.personalNumber;
}

export class AccessRecord {
  readonly fieldsRead = new Set<string>();
  readonly fieldsDenied = new Set<string>();
  readonly fieldsMasked = new Set<string>();
  readonly subjects = new Map<string, Set<DataCategory>>();
  readonly withheld = new Set<string>();
  /** At a federation's gateway: the parts the request was sent to. */
  readonly subgraphs = new Set<string>();
  private readonly eventsRead = new WeakSet<AuditEvent>();
  private readonly findingsRead = new WeakSet<object>();

  /** A field was served. On a person's own object it makes them a subject of this request. */
  read(field: ServedField, parent: unknown): void {
    this.fieldsRead.add(field.coordinate);
    const { subjects } = field;
    if (subjects === null) return;
    if (subjects.of === 'finding') {
      if (this.findingsRead.has(parent as object)) return;
      this.findingsRead.add(parent as object);
      for (const subject of JSON.parse((parent as { subjects: string }).subjects) as string[]) this.addSubject(subject, 'ACCESS_LOG');
      return;
    }
    if (subjects.of === 'event') {
      // Every field of an event names the same people: count them once per event, not once per field.
      if (this.eventsRead.has(parent as AuditEvent)) return;
      this.eventsRead.add(parent as AuditEvent);
      for (const subject of peopleNamedBy(parent as AuditEvent)) this.addSubject(subject, 'ACCESS_LOG');
      return;
    }
    const subject = (parent as { personalNumber?: unknown } | null)?.personalNumber;
    if (typeof subject === 'string') this.addSubject(subject, subjects.category);
  }

  /** A field returned `value`: an object of a subject type (or an edge of one), a list of them, or null. Each names its person. */
  returned(value: unknown, category: DataCategory): void {
    if (Array.isArray(value)) {
      for (const item of value) this.returnedOne(item, category);
    } else {
      this.returnedOne(value, category);
    }
  }

  private returnedOne(object: unknown, category: DataCategory): void {
    const subject = personOf(object);
    if (typeof subject === 'string') this.addSubject(subject, category);
  }

  private addSubject(subject: string, category: DataCategory): void {
    const categories = this.subjects.get(subject);
    if (categories === undefined) this.subjects.set(subject, new Set([category]));
    else categories.add(category);
  }

  denied(coordinate: string): void {
    this.fieldsDenied.add(coordinate);
  }

  masked(coordinate: string): void {
    this.fieldsMasked.add(coordinate);
  }

  /** At a federation's gateway: the request went to this part. */
  calledSubgraph(part: string): void {
    this.subgraphs.add(part);
  }

  /** A person the caller asked for, or reached, but may not see. */
  withhold(personalNumber: string): void {
    this.withheld.add(personalNumber);
  }
}
