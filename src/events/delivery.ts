/**
 * What one subscription receives of one event: decided when it is delivered, from the subscription as it is then
 * and the person as the population register has them then. The rules, in order:
 * - a type the subscription did not ask for is not delivered;
 * - a subscription for one municipality gets the events of people registered there, and of a protected person
 *   only with `citizen:protected:read` (being in the feed would place them);
 * - that a protected person moved is never delivered, nor a relation that leads to a protected person without
 *   `citizen:protected:read`;
 * - each item of the event's data only with its scope (the personal number only with `citizen:read`, the
 *   related people only with `citizen:relations:read` too); an address never for a protected person, and the
 *   municipality of one only with `citizen:protected:read`.
 * The delivery is a read: its access-log event names the subscriber, purpose, legal basis, the people and the
 * categories of what was sent.
 */
import { CloudEvent } from 'cloudevents';
import type { EventDraft } from '../access-log/event.js';
import type { DataCategory } from '../core/generated/schema-types.js';
import type { LifeEventType } from '../core/life-events.js';
import type { PersonRecord } from '../core/source-module.js';
import type { CapturedEvent } from './capture.js';
import type { Subscription } from './subscriptions.js';

export interface Delivery {
  /** The CloudEvents 1.0 JSON (structured mode), as sent. */
  body: string;
  draft: EventDraft;
}

const FAMILY_CATEGORY: Record<string, DataCategory> = {
  person: 'IDENTITY', relation: 'RELATIONS', benefit: 'BENEFITS', case: 'CASES', 'action-plan': 'CASES', income: 'INCOME',
};

/** An event's time as CloudEvents writes it (RFC 3339, UTC); when the source's value cannot be read, the delivery's. */
function isoTime(time: string, now: Date): string {
  const at = Date.parse(time);
  return Number.isNaN(at) ? now.toISOString() : new Date(at).toISOString();
}

/** The people a delivery needs to know about: the subject and those related. */
export function peopleOf(event: CapturedEvent): string[] {
  return [event.subject, ...(event.related ?? []).map((person) => person.personalNumber)];
}

export function prepareDelivery(subscription: Subscription, event: CapturedEvent, people: ReadonlyMap<string, PersonRecord | null>, now: Date): Delivery | null {
  if (!subscription.events.includes(event.type as LifeEventType)) return null;
  const scopes = subscription.scopes;
  const seesProtected = scopes.has('citizen:protected:read');
  const subject = people.get(event.subject) ?? null;
  const isProtected = (person: PersonRecord | null) => person !== null && person.protectedIdentity !== 'NONE';
  const subjectProtected = isProtected(subject) || (event.data.protectedIdentity !== undefined && event.data.protectedIdentity.value !== 'NONE');
  if (subscription.municipality !== null) {
    if (subject === null || subject.municipalityCode !== subscription.municipality) return null;
    if (subjectProtected && !seesProtected) return null;
  }
  if (event.type === 'person.moved' && subjectProtected) return null;
  const related = event.related ?? [];
  if (event.type === 'relation.added' && !seesProtected && related.some((person) => isProtected(people.get(person.personalNumber) ?? null))) return null;

  const data: Record<string, unknown> = {};
  const fieldsRead: string[] = [];
  const categories = new Set<DataCategory>([FAMILY_CATEGORY[event.type.split('.')[0]!] ?? 'IDENTITY']);
  for (const [name, item] of Object.entries(event.data)) {
    if (!scopes.has(item.scope)) continue;
    if (item.category === 'ADDRESS' && subjectProtected && (name !== 'municipalityCode' || !seesProtected)) continue;
    data[name] = item.value;
    fieldsRead.push(`LifeEvent.${name}`);
    categories.add(item.category);
  }
  const subjects = [event.subject];
  if (scopes.has('citizen:read') && scopes.has('citizen:relations:read')) {
    const shown = related.filter((person) => seesProtected || !isProtected(people.get(person.personalNumber) ?? null));
    if (shown.length > 0) {
      data.related = shown.map((person) => ({ personalNumber: person.personalNumber, relation: person.relation }));
      fieldsRead.push('LifeEvent.related');
      categories.add('RELATIONS');
      subjects.push(...shown.map((person) => person.personalNumber));
    }
  }
  const cloudEvent = new CloudEvent({
    specversion: '1.0',
    id: event.id,
    source: `urn:samgraf:${event.source}`,
    type: `se.samgraf.${event.type}`,
    time: isoTime(event.time, now),
    datacontenttype: 'application/json',
    samgrafsubscription: subscription.id,
    data,
  }, true);
  const sortedSubjects = [...new Set(subjects)].sort();
  const category = [...categories].sort();
  return {
    body: JSON.stringify(cloudEvent.toJSON()),
    draft: {
      occurredAt: now.toISOString(),
      // The webhook-id: the deliveries of one change to several subscribers join on it.
      requestId: event.id,
      principal: { type: 'SUBSCRIPTION', subject: subscription.id, organization: subscription.organization, apiKeyId: null },
      purpose: subscription.purpose,
      legalBasis: subscription.legalBasis,
      caseReference: null,
      operationName: `se.samgraf.${event.type}`,
      documentHash: null,
      subjects: sortedSubjects,
      subjectCategories: Object.fromEntries(sortedSubjects.map((pnr) => [pnr, pnr === event.subject ? category : ['IDENTITY', 'RELATIONS'] as DataCategory[]])),
      subjectsWithheld: [],
      subjectsRequested: [],
      fieldsRead: fieldsRead.sort(),
      fieldsDenied: [],
      fieldsMasked: [],
      outcome: 'OK',
      sourceErrors: [],
    },
  };
}
