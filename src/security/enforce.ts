/**
 * Enforces the SDL's security facts, in one place: every field with a rule gets its resolver wrapped once, when
 * the schema is built.
 * - A denied field resolves to null with UNAUTHORIZED_FIELD_OR_TYPE at its path, without running its resolver
 *   (so no SQL); a masked field resolves to null or [] silently, as if absent.
 * - Rows: an object of a `@personalData` type whose person is out of the caller's rows is withheld — null, or
 *   left out of a list — exactly as a person who does not exist, and recorded as withheld for the access log.
 *   Every road to a record passes here, whichever root field or link it came by.
 * - A field that returns objects of a personal type records each returned object's person for the access log,
 *   whatever is selected of it: that the object is there at all says the person exists.
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver, getNamedType, getNullableType, isListType, isNonNullType, isObjectType, type GraphQLOutputType, type GraphQLResolveInfo, type GraphQLSchema,
} from 'graphql';
import { hasScope, type Principal } from '../core/principal.js';
import type { PersonLink, PersonRecord } from '../core/source-module.js';
import { canSee, isRowRestricted } from '../core/visibility.js';
import type { RequestContext } from '../context.js';
import { categoryOfReturned, servedField } from '../access-log/record.js';
import { UnauthorizedFieldError } from './errors.js';
import type { PersonalDataFacts } from './personal-data.js';
import { allows, readFieldRules, type FieldRule, type RecordOwners } from './rules.js';

export interface SecurityFacts {
  owners: RecordOwners;
  personal: PersonalDataFacts;
  /** The type whose objects are persons themselves (the register of persons'). */
  personType: string;
  /**
   * A federated part's entity keys (`Citizen.personalNumber`): the gateway needs them to join the parts'
   * answers whatever its client may read, so a key is given to the gateway even where its rule denies the
   * caller — unrecorded, for the gateway applies the key's rule to what its client selected (src/federation).
   * Anyone else, the caller included, gets the rule as on every other field.
   */
  keyFields?: ReadonlySet<string>;
}

export function enforceFieldRules(schema: GraphQLSchema, facts: SecurityFacts): GraphQLSchema {
  const rules = readFieldRules(schema, facts.owners);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const rule = rules.get(`${typeName}.${fieldName}`);
      if (!rule) return fieldConfig;
      const resolve = fieldConfig.resolve ?? defaultFieldResolver;
      const returnsList = isListType(getNullableType(fieldConfig.type));
      const returnedType = getNamedType(fieldConfig.type).name;
      const returnedCategory = categoryOfReturned(returnedType, facts.personal);
      const withheld = facts.personal.types.get(returnedType)?.rowRestricted === true
        ? rowFilter(fieldConfig.type, returnedType === facts.personType, facts.personal.types.get(typeName)?.rowRestricted === true)
        : null;
      const filtersLinks = rule.maskedWhenProtected && linksToPersons(schema, returnedType, facts.personType);
      // A record of another person reached from a masked field (a sole trader as someone's employer) leads to
      // that person as a relation does: masked when they are protected.
      const guardsOwners = rule.maskedWhenProtected && !filtersLinks && returnedType !== facts.personType && facts.personal.types.has(returnedType);
      const field = servedField(typeName, fieldName, facts.personal);
      const isKey = facts.keyFields?.has(rule.coordinate) === true;
      const mask = (ctx: RequestContext): unknown => {
        ctx.access.masked(rule.coordinate);
        return returnsList ? [] : null;
      };
      const recordServed = (value: unknown, parent: unknown, ctx: RequestContext): unknown => {
        ctx.access.read(field, parent);
        if (returnedCategory !== null) ctx.access.returned(value, returnedCategory);
        if (filtersLinks && !hasScope(ctx.principal, 'citizen:protected:read')) return withoutProtectedLinks(value as PersonLink[] | null, ctx, rule);
        return value;
      };
      const record = (value: unknown, parent: unknown, ctx: RequestContext): unknown => {
        if (!guardsOwners || hasScope(ctx.principal, 'citizen:protected:read')) return recordServed(value, parent, ctx);
        return anyOwnerProtected(value, ctx).then((hidden) => (hidden ? mask(ctx) : recordServed(value, parent, ctx)));
      };
      const served = (value: unknown, parent: unknown, ctx: RequestContext): unknown => {
        if (withheld === null || ctx.principal === null || !isRowRestricted(ctx.principal)) return record(value, parent, ctx);
        const visible = withheld(value, parent, ctx.principal, ctx);
        return isPromise(visible) ? visible.then((kept) => record(kept, parent, ctx)) : record(visible, parent, ctx);
      };
      const serve = (parent: unknown, args: Record<string, unknown>, ctx: RequestContext, info: GraphQLResolveInfo): unknown => {
        const value: unknown = resolve(parent, args, ctx, info);
        return isPromise(value) ? value.then((resolved) => served(resolved, parent, ctx)) : served(value, parent, ctx);
      };
      return {
        ...fieldConfig,
        // Synchronous unless the resolver is: a promise per scalar field would cost every field of every
        // object an extra turn of graphql-js's asynchronous completion.
        resolve: (parent, args, ctx: RequestContext, info) => {
          if (!allows(rule, ctx.principal, parent)) {
            if (isKey && ctx.origin?.gateway === true) return resolve(parent, args, ctx, info);
            ctx.access.denied(rule.coordinate);
            throw new UnauthorizedFieldError(rule.coordinate);
          }
          if (!rule.maskedWhenProtected || hasScope(ctx.principal, 'citizen:protected:read')) return serve(parent, args, ctx, info);
          if (typeName === facts.personType) return (parent as PersonRecord).protectedIdentity === 'NONE' ? serve(parent, args, ctx, info) : mask(ctx);
          // A record of a person (a case): its protection is its person's, read without row restrictions.
          return ownerIsProtected(parent as PersonsRecord, ctx).then((hidden) => (hidden ? mask(ctx) : serve(parent, args, ctx, info)));
        },
      };
    },
  });
}

interface PersonsRecord {
  personalNumber: string | null;
}

type Withhold = (value: unknown, parent: unknown, principal: Principal, ctx: RequestContext) => unknown;

/**
 * What a row-restricted caller gets of a field's value: each object whose person is out of sight becomes null,
 * or, in a list of non-null items, is left out. A person's own object is judged by itself; any other record by
 * its person, looked up in the register of persons — a record whose person is unknown, or names nobody, is
 * withheld too: nothing says it is the caller's to see. A record of the very person whose object it was reached
 * from (a citizen's benefits) is as visible as that object, which was let through already.
 */
function rowFilter(type: GraphQLOutputType, isPerson: boolean, parentIsRestricted: boolean): Withhold {
  const nullable = getNullableType(type);
  const itemsRequired = isListType(nullable) && isNonNullType(nullable.ofType);
  const visibleOne = (object: unknown, parent: unknown, principal: Principal, ctx: RequestContext): boolean | Promise<boolean> => {
    if (isPerson) return visiblePerson(object as PersonRecord, principal, ctx);
    const personalNumber = (object as PersonsRecord).personalNumber;
    if (typeof personalNumber !== 'string') return askRegisterAboutNobody(ctx).then(() => false);
    if (parentIsRestricted && (parent as PersonsRecord).personalNumber === personalNumber) return true;
    return ctx.people.person.load(personalNumber).then((person) => person !== null && visiblePerson(person, principal, ctx));
  };
  return (value, parent, principal, ctx) => {
    // A record that does not exist costs the register of persons the same statement as one out of sight, so
    // neither the number of statements nor the time tells them apart.
    if (value === null || value === undefined) return isPerson || parentIsRestricted ? value : askRegisterAboutNobody(ctx).then(() => value);
    if (!Array.isArray(value)) {
      const visible = visibleOne(value, parent, principal, ctx);
      return isPromise(visible) ? visible.then((shown) => (shown ? value : null)) : visible ? value : null;
    }
    const checks = value.map((item) => (item === null || item === undefined ? true : visibleOne(item, parent, principal, ctx)));
    const keep = (shown: readonly boolean[]) => (itemsRequired ? value.filter((_, i) => shown[i]) : value.map((item, i) => (shown[i] ? item : null)));
    return checks.some(isPromise) ? Promise.all(checks).then(keep) : keep(checks as boolean[]);
  };
}

/** A key no row of the register of persons has (month 00): the lookup runs, and finds nobody. */
const NOBODY = '000000000000';

function askRegisterAboutNobody(ctx: RequestContext): Promise<unknown> {
  return ctx.people.person.load(NOBODY);
}

/** A person out of sight is withheld: recorded for the access log, and null to the caller. */
function visiblePerson(person: PersonRecord, principal: Principal, ctx: RequestContext): boolean {
  if (canSee(principal, person)) return true;
  ctx.access.withhold(person.personalNumber);
  return false;
}

/** Whether objects of `typeName` lead to a person (they have a field of the person type): relations do. */
function linksToPersons(schema: GraphQLSchema, typeName: string, personType: string): boolean {
  const type = schema.getType(typeName);
  return isObjectType(type) && typeName !== personType
    && Object.values(type.getFields()).some((field) => getNamedType(field.type).name === personType);
}

/**
 * Whether the person a record is about has a protected identity. A record whose person the register of
 * persons does not know (or that names nobody) counts as protected: nothing says it is not.
 */
async function ownerIsProtected(record: PersonsRecord, ctx: RequestContext): Promise<boolean> {
  if (typeof record.personalNumber !== 'string') return true;
  const owner = await ctx.people.person.load(record.personalNumber);
  return owner === null || owner.protectedIdentity !== 'NONE';
}

/**
 * Whether a returned record (or any record of a returned list) is another person's whose identity is protected.
 * A record that names no person (an organisation) leads to nobody; one whose person the register does not know
 * counts as protected.
 */
async function anyOwnerProtected(value: unknown, ctx: RequestContext): Promise<boolean> {
  const records = (Array.isArray(value) ? value : [value]) as (PersonsRecord | null | undefined)[];
  const owners = records.map((record) => record?.personalNumber).filter((pnr): pnr is string => typeof pnr === 'string');
  if (owners.length === 0) return false;
  const people = await ctx.people.person.loadMany(owners);
  const failed = people.find((person) => person instanceof Error);
  if (failed !== undefined) throw failed;
  return people.some((person) => person === null || (person as PersonRecord).protectedIdentity !== 'NONE');
}

/**
 * Links never lead to a protected person: such a link (a relation) is left out, as if absent. A linked person
 * the register could not be asked about may be protected, so the links fail as the register did.
 */
async function withoutProtectedLinks(links: PersonLink[] | null, ctx: RequestContext, rule: FieldRule): Promise<PersonLink[] | null> {
  if (links === null || links.length === 0) return links;
  const linked = await ctx.people.person.loadMany(links.map((link) => link.linkedPersonalNumber));
  const failed = linked.find((person) => person instanceof Error);
  if (failed !== undefined) throw failed;
  const kept = links.filter((_, i) => {
    const person = linked[i] as PersonRecord | null | undefined;
    return person === null || person === undefined || person.protectedIdentity === 'NONE';
  });
  if (kept.length < links.length) ctx.access.masked(rule.coordinate);
  return kept;
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
