/**
 * The SQL text of the connectors' statements, built by knex once per statement and shape instead of once per
 * call. knex builds a statement anew every time — a builder, a compiler, every identifier quoted — which on
 * MySQL, where samgraf sends the text through mysql2 itself (db.ts), cost more CPU than the rest of the
 * statement's way to the server and back.
 *
 * A statement (`Statement`) is a function of the knex handle and its parameters, written once at module level.
 * Its text is built once per shape of its parameters — how many keys each array holds, and which are null —
 * with a stand-in for every value, and kept only if every binding knex produced is one of the stand-ins: a call's
 * bindings are then its own values in the stand-ins' places. A statement whose bindings include anything else (a
 * constant, a value worked out from a parameter) is built on every call, as before: it is never wrong, only
 * slower. What a kept text cannot notice is a statement whose SQL changes with a parameter's value rather than its
 * shape; such a statement must be a closure built for its one call, `source.select((db) => …)`, which takes no
 * parameters and is built once per call, nothing kept.
 */
import type { Knex } from 'knex';

/** A parameter of a statement: keys (an array), one value, or null. */
export type StatementParameter = readonly (string | number)[] | string | number | null;

/**
 * A statement as a connector writes it. It may read nothing but its parameters, and its SQL may depend only on
 * their shape (see the module's comment).
 */
export type Statement<P extends readonly StatementParameter[] = readonly StatementParameter[]> = (db: Knex, ...parameters: P) => Knex.QueryBuilder;

export interface SqlText {
  sql: string;
  bindings: readonly unknown[];
}

/** Where each binding of a kept text comes from: [parameter, index in it], or [parameter, -1] for a single value. */
type BindingPlace = readonly [number, number];

interface KeptText {
  sql: string;
  places: readonly BindingPlace[];
}

/** Texts kept per statement; a loader's batches rarely take more than a few sizes, and any more are built each time. */
const MAX_SHAPES_PER_STATEMENT = 256;

export class StatementTexts {
  private readonly kept = new WeakMap<Statement, Map<string, KeptText | null>>();

  constructor(private readonly db: Knex) {}

  /** The statement's SQL and bindings for these parameters. */
  textOf<P extends readonly StatementParameter[]>(statement: Statement<P>, parameters: P): SqlText {
    // A closure made for one call: built once, as it is, with nothing kept.
    if (parameters.length === 0) return sqlOf(statement(this.db, ...parameters));
    const general = statement as unknown as Statement;
    let byShape = this.kept.get(general);
    if (byShape === undefined) {
      byShape = new Map();
      this.kept.set(general, byShape);
    }
    const shape = shapeOf(parameters);
    let text = byShape.get(shape);
    if (text === undefined) {
      text = keptText(this.db, general, parameters);
      if (byShape.size < MAX_SHAPES_PER_STATEMENT) byShape.set(shape, text);
    }
    if (text === null) return sqlOf(statement(this.db, ...parameters));
    return { sql: text.sql, bindings: text.places.map(([parameter, index]) => (index < 0 ? parameters[parameter] : (parameters[parameter] as readonly unknown[])[index])) };
  }
}

function sqlOf(statement: Knex.QueryBuilder): SqlText {
  const { sql, bindings } = statement.toSQL();
  return { sql, bindings };
}

/** e.g. `a3,v,n`: an array of three keys, a value, a null. */
function shapeOf(parameters: readonly StatementParameter[]): string {
  return parameters.map((parameter) => (parameter === null ? 'n' : Array.isArray(parameter) ? `a${parameter.length}` : 'v')).join(',');
}

/**
 * Builds the statement with stand-ins: NUL-prefixed strings no parameter's value is compared with. The text is
 * kept only if knex bound nothing but stand-ins; their order gives each binding's place.
 */
function keptText(db: Knex, statement: Statement, parameters: readonly StatementParameter[]): KeptText | null {
  const places = new Map<string, BindingPlace>();
  const standIns = parameters.map((parameter, p) => {
    if (parameter === null) return null;
    if (!Array.isArray(parameter)) return standIn(places, p, -1);
    return parameter.map((_, i) => standIn(places, p, i));
  });
  const { sql, bindings } = statement(db, ...standIns).toSQL();
  const bound: BindingPlace[] = [];
  for (const binding of bindings) {
    const place = typeof binding === 'string' ? places.get(binding) : undefined;
    if (place === undefined) return null;
    bound.push(place);
  }
  return { sql, places: bound };
}

function standIn(places: Map<string, BindingPlace>, parameter: number, index: number): string {
  const text = `\u0000samgraf-parameter-${parameter}-${index}`;
  places.set(text, [parameter, index]);
  return text;
}
