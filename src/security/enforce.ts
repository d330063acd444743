/**
 * Enforces the SDL's field rules, in one place: every field with a rule gets its resolver wrapped once, when
 * the schema is built. A denied field resolves to null with UNAUTHORIZED_FIELD_OR_TYPE at its path, without
 * running its resolver (so no SQL); a masked field resolves to null or [] silently, as if absent.
 */
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, getNamedType, isListType, getNullableType, type GraphQLSchema } from 'graphql';
import type { Citizen, Relation } from '../domain/types.js';
import type { RequestContext } from '../context.js';
import { servedField } from '../access-log/record.js';
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
      const returnsRelations = getNamedType(fieldConfig.type).name === 'Relation';
      const field = servedField(typeName, fieldName);
      const served = (value: unknown, parent: unknown, ctx: RequestContext): unknown => {
        ctx.access.read(field, parent);
        if (returnsRelations && !hasScope(ctx.principal, 'citizen:protected:read')) return withoutProtectedRelatives(value as Relation[] | null, ctx, rule);
        return value;
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
          if (mustMask(rule, ctx, parent)) {
            ctx.access.masked(rule.coordinate);
            return returnsList ? [] : null;
          }
          const value: unknown = resolve(parent, args, ctx, info);
          return isPromise(value) ? value.then((resolved) => served(resolved, parent, ctx)) : served(value, parent, ctx);
        },
      };
    },
  });
}

function mustMask(rule: FieldRule, ctx: RequestContext, parent: unknown): boolean {
  return rule.maskedWhenProtected
    && (parent as Citizen).protectedIdentity !== 'NONE'
    && !hasScope(ctx.principal, 'citizen:protected:read');
}

/** Relations never lead to a protected person: such a relation is left out, as if absent. */
async function withoutProtectedRelatives(relations: Relation[] | null, ctx: RequestContext, rule: FieldRule): Promise<Relation[] | null> {
  if (relations === null || relations.length === 0) return relations;
  const relatives = await ctx.loaders.populationRegister.citizenForPolicy.loadMany(relations.map((r) => r.relatedPersonalNumber));
  const kept = relations.filter((_, i) => {
    const relative = relatives[i];
    return relative instanceof Error || relative === null || relative === undefined || relative.protectedIdentity === 'NONE';
  });
  if (kept.length < relations.length) ctx.access.masked(rule.coordinate);
  return kept;
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
