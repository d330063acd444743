/**
 * The access log's Merkle tree in the store. Writers do not touch the tree: each commit also queues its events'
 * hashes (`audit_tree_pending`, in the commit's own transaction), and a sequencer (sequencer.ts) takes the queue
 * in order, gives each event the next leaf index, and stores the leaves (`audit_tree_leaves`: index, event, leaf
 * hash) and every perfect subtree they complete (`audit_tree_nodes`: level ≥ 1), all in one transaction that
 * also stores the signed checkpoint of the new tree (`audit_checkpoints`). Any number of writers and replicas
 * commit in parallel; the tree has one order, the order in which the sequencer found their commits.
 *
 * Two sequencers that race (two replicas) both try to store the same leaf indexes: the store's keys let one
 * win and the other's transaction fail, to be retried. Nothing else locks.
 *
 * A root or a proof reads the O(log n) perfect subtrees merkle.ts plans for it, in at most two statements.
 */
import type { Knex } from 'knex';
import { dialectOf } from '../../core/db.js';
import { append, consistencyProof, frontierOf, inclusionProof, leafHash, plan, rootOf, type NodeId, type NodeLookup } from './merkle.js';

export const PENDING = 'audit_tree_pending';
export const LEAVES = 'audit_tree_leaves';
export const NODES = 'audit_tree_nodes';
export const CHECKPOINTS = 'audit_checkpoints';
export const COSIGNATURES = 'audit_cosignatures';

/** The queue row of one commit: its writer, its seqs, and their hashes (hex, concatenated in seq order). */
export function pendingRow(writer: string, events: readonly { seq: number; hash: string }[]) {
  return { writer_id: writer, from_seq: events[0]!.seq, to_seq: events.at(-1)!.seq, hashes: events.map((e) => e.hash).join('') };
}

interface PendingRow {
  id: number | string;
  writer_id: string;
  from_seq: number | string;
  to_seq: number | string;
  hashes: string;
}

export interface TreeHead {
  size: number;
  root: Buffer;
}

/** Leaves in the tree: one more than the highest leaf index. */
export async function treeSize(db: Knex): Promise<number> {
  const row = await db(LEAVES).max({ top: 'leaf_index' }).first() as { top: number | string | null } | undefined;
  return row?.top == null ? 0 : Number(row.top) + 1;
}

/** Fetches perfect subtrees by position: leaves from the leaf table, the rest from the node table. */
export async function fetchNodes(db: Knex, ids: readonly NodeId[]): Promise<NodeLookup> {
  const found = new Map<string, Buffer>();
  const leaves = ids.filter((id) => id.level === 0).map((id) => id.index);
  if (leaves.length > 0) {
    const rows = await db(LEAVES).whereIn('leaf_index', leaves).select('leaf_index', 'leaf_hash') as { leaf_index: number | string; leaf_hash: string }[];
    for (const row of rows) found.set(`0:${Number(row.leaf_index)}`, Buffer.from(row.leaf_hash, 'hex'));
  }
  const byLevel = new Map<number, number[]>();
  for (const { level, index } of ids) if (level > 0) byLevel.set(level, [...byLevel.get(level) ?? [], index]);
  if (byLevel.size > 0) {
    const query = db(NODES).select('level', 'node_index', 'hash').where((q) => {
      for (const [level, indexes] of byLevel) q.orWhere((q2) => q2.where('level', level).whereIn('node_index', indexes));
    });
    for (const row of await query as { level: number | string; node_index: number | string; hash: string }[]) found.set(`${Number(row.level)}:${Number(row.node_index)}`, Buffer.from(row.hash, 'hex'));
  }
  return (level, index) => {
    const hash = found.get(`${level}:${index}`);
    if (!hash) throw new TreeIncompleteError(level, index);
    return hash;
  };
}

/** A node a root or proof needs is missing from the store: it was deleted, or the tree is smaller than asked. */
export class TreeIncompleteError extends Error {
  constructor(readonly level: number, readonly index: number) {
    super(`the tree's node ${level}:${index} is not in the store`);
    this.name = 'TreeIncompleteError';
  }
}

/** Runs `compute` on the nodes it needs, fetched first. */
async function fromStore<T>(db: Knex, compute: (node: NodeLookup) => T): Promise<T> {
  return compute(await fetchNodes(db, plan(compute)));
}

export function rootAt(db: Knex, size: number): Promise<Buffer> {
  return fromStore(db, (node) => rootOf(size, node));
}

/** Inclusion proofs of several leaves in one tree: every path's nodes fetched at once. */
export function inclusionProofsAt(db: Knex, indexes: readonly number[], size: number): Promise<Map<number, Buffer[]>> {
  return fromStore(db, (node) => new Map(indexes.map((index) => [index, inclusionProof(index, size, node)])));
}

export function consistencyProofAt(db: Knex, from: number, to: number): Promise<Buffer[]> {
  return fromStore(db, (node) => consistencyProof(from, to, node));
}

export interface LeafPosition {
  leafIndex: number;
  leafHash: string;
}

/** The leaf of each event (writer, seq) that has one. */
export async function leavesOf(db: Knex, events: readonly { writer: string; seq: number }[]): Promise<Map<string, LeafPosition>> {
  const byWriter = new Map<string, number[]>();
  for (const { writer, seq } of events) byWriter.set(writer, [...byWriter.get(writer) ?? [], seq]);
  if (byWriter.size === 0) return new Map();
  const rows = await db(LEAVES).select('leaf_index', 'writer_id', 'seq', 'leaf_hash').where((q) => {
    for (const [writer, seqs] of byWriter) q.orWhere((q2) => q2.where('writer_id', writer).whereIn('seq', seqs));
  }) as { leaf_index: number | string; writer_id: string; seq: number | string; leaf_hash: string }[];
  return new Map(rows.map((row) => [`${row.writer_id}:${Number(row.seq)}`, { leafIndex: Number(row.leaf_index), leafHash: row.leaf_hash }]));
}

export interface SequencedRound {
  /** Leaves added. */
  added: number;
  head: TreeHead;
  /** Whether the queue held more than one round takes. */
  more: boolean;
}

/**
 * One round of the sequencer: up to `maxCommits` queued commits become leaves, in queue order, and the new tree
 * is stored with its signed checkpoint (`sign` returns the note for a tree head, or null when the log has no key)
 * — all in one transaction. A round that finds the queue empty stores nothing.
 */
export async function sequencePending(db: Knex, sign: (head: TreeHead) => string | null, maxCommits = 1000): Promise<SequencedRound> {
  // Read committed: the locking read takes the rows it returns and no gap after them, so writers' commits queue
  // their rows meanwhile; and the tree's size is read as the round that went before left it.
  const config: Knex.TransactionConfig = dialectOf(db) === 'sqlite' ? {} : { isolationLevel: 'read committed' };
  return db.transaction(async (trx) => {
    // Locked, on servers: a replica's round that comes meanwhile waits for this one and takes what is left, rather
    // than racing it to the same leaf indexes. (SQLite writes one transaction at a time anyway.)
    const taking = trx(PENDING).select('id', 'writer_id', 'from_seq', 'to_seq', 'hashes').orderBy('id').limit(maxCommits);
    const queued = await (dialectOf(trx) === 'sqlite' ? taking : taking.forUpdate()) as PendingRow[];
    // A round's transaction stays small however long the queue (a migrated store queues all its events at once).
    let events = 0;
    const pending = queued.filter((row) => (events += Number(row.to_seq) - Number(row.from_seq) + 1) <= MAX_EVENTS_PER_ROUND || row === queued[0]);
    const size = await treeSize(trx);
    if (pending.length === 0) return { added: 0, head: { size, root: await rootAt(trx, size) }, more: false };
    const leaves = pending.flatMap((row) => {
      const from = Number(row.from_seq);
      const hashes = row.hashes.match(/[0-9a-f]{64}/g) ?? [];
      if (hashes.length !== Number(row.to_seq) - from + 1) throw new Error(`queued commit ${row.id} holds ${hashes.length} hashes for seqs ${from}–${row.to_seq}`);
      return hashes.map((hash, i) => ({ writer: row.writer_id, seq: from + i, leaf: leafHash(Buffer.from(hash, 'hex')) }));
    });
    const frontier = await fetchNodes(trx, frontierOf(size));
    const { nodes, root } = append(size, leaves.map((l) => l.leaf), frontier);
    const head = { size: size + leaves.length, root };
    for (const rows of chunks(leaves.map((l, i) => ({ leaf_index: size + i, writer_id: l.writer, seq: l.seq, leaf_hash: l.leaf.toString('hex') })), ROWS_PER_STATEMENT)) {
      await trx(LEAVES).insert(rows);
    }
    const interior = nodes.filter((n) => n.level > 0).map((n) => ({ level: n.level, node_index: n.index, hash: n.hash.toString('hex') }));
    // A node row already at a place the tree has not reached is not the tree's (verify-tree reports any beyond it):
    // the tree's own hash replaces it, rather than the row stopping the log from growing.
    for (const rows of chunks(interior, ROWS_PER_STATEMENT)) await trx(NODES).insert(rows).onConflict(['level', 'node_index']).merge(['hash']);
    for (const ids of chunks(pending.map((row) => Number(row.id)), ROWS_PER_STATEMENT)) await trx(PENDING).whereIn('id', ids).delete();
    const note = sign(head);
    if (note !== null) await trx(CHECKPOINTS).insert(checkpointRow(head, note));
    return { added: leaves.length, head, more: pending.length < queued.length || queued.length === maxCommits };
  }, config);
}

const MAX_EVENTS_PER_ROUND = 20_000;

/** SQLite makes a multi-row insert one compound SELECT, which may have at most 500 terms. */
const ROWS_PER_STATEMENT = 400;

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

function checkpointRow(head: TreeHead, note: string) {
  return { tree_size: head.size, root_hash: head.root.toString('hex'), note, signed_at: Date.now() };
}

/** Signs the tree as it is now, unless its newest checkpoint already covers it (`samgraf audit checkpoint`). */
export async function checkpointNow(db: Knex, sign: (head: TreeHead) => string): Promise<{ head: TreeHead; signed: boolean }> {
  return db.transaction(async (trx) => {
    const size = await treeSize(trx);
    const head = { size, root: await rootAt(trx, size) };
    const newest = await newestCheckpoint(trx);
    if (newest && newest.size >= size) return { head, signed: false };
    // A replica that signed the same tree meanwhile signed the same note (Ed25519 is deterministic).
    await trx(CHECKPOINTS).insert(checkpointRow(head, sign(head))).onConflict('tree_size').ignore();
    return { head, signed: true };
  });
}

export interface StoredCheckpoint {
  size: number;
  rootHash: string;
  /** The signed note, the log's signature only. */
  note: string;
  signedAt: number;
}

interface CheckpointRow {
  tree_size: number | string;
  root_hash: string;
  note: string;
  signed_at: number | string;
}

const toCheckpoint = (row: CheckpointRow): StoredCheckpoint => ({ size: Number(row.tree_size), rootHash: row.root_hash, note: row.note, signedAt: Number(row.signed_at) });

export async function newestCheckpoint(db: Knex): Promise<StoredCheckpoint | null> {
  const row = await db(CHECKPOINTS).orderBy('tree_size', 'desc').first() as CheckpointRow | undefined;
  return row ? toCheckpoint(row) : null;
}

export async function checkpointOfSize(db: Knex, size: number): Promise<StoredCheckpoint | null> {
  const row = await db(CHECKPOINTS).where('tree_size', size).first() as CheckpointRow | undefined;
  return row ? toCheckpoint(row) : null;
}

/** The smallest checkpoint that covers a leaf: the one a receipt for it is made against. */
export async function firstCheckpointCovering(db: Knex, leafIndex: number): Promise<StoredCheckpoint | null> {
  const row = await db(CHECKPOINTS).where('tree_size', '>', leafIndex).orderBy('tree_size', 'asc').first() as CheckpointRow | undefined;
  return row ? toCheckpoint(row) : null;
}

/** The newest checkpoint every one of the witnesses has cosigned; null when there are none or it has none. */
export async function newestCosignedBy(db: Knex, witnesses: readonly { witness: string; keyId: string }[]): Promise<StoredCheckpoint | null> {
  if (witnesses.length === 0) return null;
  const query = db(CHECKPOINTS).orderBy('tree_size', 'desc');
  for (const { witness, keyId } of witnesses) {
    query.whereExists(db(COSIGNATURES).select(db.raw('1')).whereRaw('?? = ??', [`${COSIGNATURES}.tree_size`, `${CHECKPOINTS}.tree_size`]).andWhere({ [`${COSIGNATURES}.witness`]: witness, [`${COSIGNATURES}.key_id`]: keyId }));
  }
  const row = await query.first() as CheckpointRow | undefined;
  return row ? toCheckpoint(row) : null;
}

/** Every checkpoint, in size order, a page at a time (`samgraf audit verify`). */
export async function checkpointsFrom(db: Knex, afterSize: number, limit: number): Promise<StoredCheckpoint[]> {
  const rows = await db(CHECKPOINTS).where('tree_size', '>', afterSize).orderBy('tree_size').limit(limit) as CheckpointRow[];
  return rows.map(toCheckpoint);
}

export interface StoredCosignature {
  size: number;
  witness: string;
  keyId: string;
  time: number;
  line: string;
}

export async function cosignaturesOf(db: Knex, size: number): Promise<StoredCosignature[]> {
  const rows = await db(COSIGNATURES).where('tree_size', size).orderBy(['witness', 'key_id']) as { tree_size: number | string; witness: string; key_id: string; cosigned_at: number | string; line: string }[];
  return rows.map((row) => ({ size: Number(row.tree_size), witness: row.witness, keyId: row.key_id, time: Number(row.cosigned_at), line: row.line }));
}

/** Stores a verified cosignature; a witness's second one for the same checkpoint is ignored. */
export async function addCosignature(db: Knex, cosignature: StoredCosignature): Promise<void> {
  const row = { tree_size: cosignature.size, witness: cosignature.witness, key_id: cosignature.keyId, cosigned_at: cosignature.time, line: cosignature.line, received_at: Date.now() };
  const query = db(COSIGNATURES).insert(row).onConflict(['tree_size', 'witness', 'key_id']).ignore();
  await query;
}

/** The newest checkpoint each witness has cosigned: what readiness compares with the newest checkpoint. */
export async function newestCosignedSizes(db: Knex): Promise<Map<string, number>> {
  const rows = await db(COSIGNATURES).select('witness', 'key_id').max({ size: 'tree_size' }).groupBy('witness', 'key_id') as { witness: string; key_id: string; size: number | string }[];
  return new Map(rows.map((row) => [`${row.witness}+${row.key_id}`, Number(row.size)]));
}

/** The tables, for the store's migration. */
export async function createTreeTables(db: Knex): Promise<void> {
  const mysql = dialectOf(db) === 'mysql';
  await db.schema.createTable(PENDING, (t) => {
    t.increments('id').primary();
    t.string('writer_id', 36).notNullable();
    t.bigInteger('from_seq').notNullable();
    t.bigInteger('to_seq').notNullable();
    // A commit of up to 500 events: 32,000 characters, past MySQL's TEXT when a larger batch is configured.
    if (mysql) t.text('hashes', 'mediumtext').notNullable();
    else t.text('hashes').notNullable();
  });
  await db.schema.createTable(LEAVES, (t) => {
    t.bigInteger('leaf_index').primary();
    t.string('writer_id', 36).notNullable();
    t.bigInteger('seq').notNullable();
    t.string('leaf_hash', 64).notNullable();
    t.unique(['writer_id', 'seq'], { indexName: 'audit_tree_leaves_event' });
  });
  await db.schema.createTable(NODES, (t) => {
    t.smallint('level').notNullable();
    t.bigInteger('node_index').notNullable();
    t.string('hash', 64).notNullable();
    t.primary(['level', 'node_index']);
  });
  await db.schema.createTable(CHECKPOINTS, (t) => {
    t.bigInteger('tree_size').primary();
    t.string('root_hash', 64).notNullable();
    t.text('note').notNullable();
    t.bigInteger('signed_at').notNullable();
  });
  await db.schema.createTable(COSIGNATURES, (t) => {
    t.bigInteger('tree_size').notNullable();
    t.string('witness', 255).notNullable();
    t.string('key_id', 8).notNullable();
    t.bigInteger('cosigned_at').notNullable();
    t.text('line').notNullable();
    t.bigInteger('received_at').notNullable();
    t.primary(['tree_size', 'witness', 'key_id']);
  });
}

/** Queues every event already in the store, chain by chain in the order the chains began, for the sequencer. */
export async function queueExistingEvents(db: Knex): Promise<void> {
  const writers = await db('audit_events').select('writer_id').min({ first: 'occurred_ms' }).groupBy('writer_id').orderBy([{ column: 'first' }, { column: 'writer_id' }]) as { writer_id: string }[];
  for (const { writer_id: writer } of writers) {
    let after = 0;
    for (;;) {
      const rows = await db('audit_events').where('writer_id', writer).andWhere('seq', '>', after).orderBy('seq').limit(500).select('seq', 'hash') as { seq: number | string; hash: string }[];
      if (rows.length === 0) break;
      // A run of consecutive seqs per queue row: the sequencer counts seqs from the first.
      let run: { seq: number; hash: string }[] = [];
      for (const row of rows.map((r) => ({ seq: Number(r.seq), hash: r.hash }))) {
        if (run.length > 0 && row.seq !== run.at(-1)!.seq + 1) {
          await db(PENDING).insert(pendingRow(writer, run));
          run = [];
        }
        run.push(row);
      }
      await db(PENDING).insert(pendingRow(writer, run));
      after = Number(rows.at(-1)!.seq);
    }
  }
}
