/**
 * Enforces the SDL's field rules, in one place: every field with a rule gets its resolver wrapped once, when
 * the schema is built. A denied field resolves to null with UNAUTHORIZED_FIELD_OR_TYPE at its path, without
 * running its resolver (so no SQL); a masked field resolves to null or [] silently, as if absent. A field that
 * returns objects of a subject type (Citizen, Benefit, Case) records each returned object's person for the
 * access log, whatever is selected of it: that the object is there at all says the person exists.
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, getNamedType, isListType, getNullableType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import type { Citizen, Relation } from '../domain/types.js';
import type { RequestContext } from '../context.js';
import { categoryOfReturned, servedField } from '../access-log/record.js';
import { UnauthorizedFieldError } from './errors.js';
import { hasScope } from './principal.js';
import { allows, readFieldRules, type FieldRule } from './rules.js';

export function enforceFieldRules(schema: GraphQLSchema): GraphQLSchema {
  const rules = readFieldRules(schema);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName) => {
      const rule = rules.get(`${typeName}.${fieldName}`);
      if (!rule) return fieldConfig;
      const resolve = fieldConfig.resolve ?? defaultFieldResolver;
      const returnsList = isListType(getNullableType(fieldConfig.type));
      const returnedType = getNamedType(fieldConfig.type).name;
      const returnsRelations = returnedType === 'Relation';
      const returnedCategory = categoryOfReturned(returnedType);
      const field = servedField(typeName, fieldName);
      const served = (value: unknown, parent: unknown, ctx: RequestContext): unknown => {
        ctx.access.read(field, parent);
        if (returnedCategory !== null) ctx.access.returned(value, returnedCategory);
        if (returnsRelations && !hasScope(ctx.principal, 'citizen:protected:read')) return withoutProtectedRelatives(value as Relation[] | null, ctx, rule);
        return value;
      };
      const serve = (parent: unknown, args: Record<string, unknown>, ctx: RequestContext, info: GraphQLResolveInfo): unknown => {
        const value: unknown = resolve(parent, args, ctx, info);
        return isPromise(value) ? value.then((resolved) => served(resolved, parent, ctx)) : served(value, parent, ctx);
      };
      const mask = (ctx: RequestContext): unknown => {
        ctx.access.masked(rule.coordinate);
        return returnsList ? [] : null;
      };
      return {
        ...fieldConfig,
        // Synchronous unless the resolver is: a promise per scalar field would cost every field of every
        // object an extra turn of graphql-js's asynchronous completion.
        resolve: (parent, args, ctx: RequestContext, info) => {
          if (!allows(rule, ctx.principal, parent, typeName)) {
            ctx.access.denied(rule.coordinate);
            throw new UnauthorizedFieldError(rule.coordinate);
          }
          if (!rule.maskedWhenProtected || hasScope(ctx.principal, 'citizen:protected:read')) return serve(parent, args, ctx, info);
          if (typeName === 'Citizen') return (parent as Citizen).protectedIdentity === 'NONE' ? serve(parent, args, ctx, info) : mask(ctx);
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

/**
 * Whether the person a record is about has a protected identity. A record whose person the population
 * register does not know (or that names nobody) counts as protected: nothing says it is not.
 */
async function ownerIsProtected(record: PersonsRecord, ctx: RequestContext): Promise<boolean> {
  if (typeof record.personalNumber !== 'string') return true;
  const owner = await ctx.loaders.populationRegister.citizenForPolicy.load(record.personalNumber);
  return owner === null || owner.protectedIdentity !== 'NONE';
}

/**
 * Relations never lead to a protected person: such a relation is left out, as if absent. A relative the
 * register could not be asked about may be protected, so the relations fail as the register did.
 */
async function withoutProtectedRelatives(relations: Relation[] | null, ctx: RequestContext, rule: FieldRule): Promise<Relation[] | null> {
  if (relations === null || relations.length === 0) return relations;
  const relatives = await ctx.loaders.populationRegister.citizenForPolicy.loadMany(relations.map((r) => r.relatedPersonalNumber));
  const failed = relatives.find((relative) => relative instanceof Error);
  if (failed !== undefined) throw failed;
  const kept = relations.filter((_, i) => {
    const relative = relatives[i] as Citizen | null | undefined;
    return relative === null || relative === undefined || relative.protectedIdentity === 'NONE';
  });
  if (kept.length < relations.length) ctx.access.masked(rule.coordinate);
  return kept;
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
