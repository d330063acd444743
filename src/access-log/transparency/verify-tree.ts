/**
 * Verifies the access log's Merkle tree against the events and against every checkpoint ever signed, as
 * `samgraf audit verify` and `auditChains` report it. Walks the leaves in index order a page at a time, rebuilding
 * the tree from its right edge alone (O(log n) memory), and checks:
 * - the leaf indexes run from 0 without a gap;
 * - each leaf is SHA-256(0x00 ‖ its event's hash), and its event exists — unless retention pruned it, which
 *   keeps the leaf so that old receipts still verify;
 * - each stored interior node is the hash of its children (proofs are served from them);
 * - each signed checkpoint's root is the tree's root at its size, its text says so, and the log's key signed it;
 *   a checkpoint beyond the tree means leaves were removed (a truncated or rolled-back store);
 * - every event has a leaf or waits in the sequencer's queue.
 * Problems are fixed sentences with leaf indexes and sizes, never an event's content.
 */
import type { Knex } from 'knex';
import { append, frontierOf, leafHash, rootOf, type NodeLookup } from './merkle.js';
import { checkpointText, NoteError, parseNote, signatureBy, type VerifierKey } from './note.js';
import { CHECKPOINTS, LEAVES, NODES, PENDING } from './tree-store.js';
import { toBase64 } from './proofs.js';

export interface TreeReport {
  ok: boolean;
  leaves: number;
  queued: number;
  checkpoints: number;
  /** Whether the checkpoints' signatures were checked: only with the log's verifier key. */
  signaturesChecked: boolean;
  problems: string[];
}


const PAGE = 2000;
/** Enough to show where a tree went wrong without a report the size of the log. */
const MAX_PROBLEMS = 20;

/** `logKey`: the log's verifier key; without it the signatures go unchecked, and the report says so. */
export async function verifyTree(db: Knex, logKey: VerifierKey | null): Promise<TreeReport> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  const checkpoints = await db(CHECKPOINTS).orderBy('tree_size').select('tree_size', 'root_hash', 'note') as { tree_size: number | string; root_hash: string; note: string }[];
  const anchors = new Map((await db('audit_chain_anchors').select('writer_id', 'seq') as { writer_id: string; seq: number | string }[]).map((a) => [a.writer_id, Number(a.seq)]));
  let frontier = new Map<string, Buffer>();
  const lookup: NodeLookup = (level, index) => {
    const hash = frontier.get(`${level}:${index}`);
    if (!hash) throw new Error(`node ${level}:${index} is not on the right edge`);
    return hash;
  };
  let size = 0;
  let nextCheckpoint = 0;
  let checked = 0;
  const checkCheckpointsAt = async (at: number) => {
    while (nextCheckpoint < checkpoints.length && Number(checkpoints[nextCheckpoint]!.tree_size) === at) {
      await checkCheckpoint(checkpoints[nextCheckpoint]!, rootOf(at, lookup), logKey, problem);
      checked += 1;
      nextCheckpoint += 1;
    }
  };
  for (;;) {
    await checkCheckpointsAt(size);
    const rows = await db(`${LEAVES} as l`).leftJoin('audit_events as e', function join() {
      this.on('e.writer_id', '=', 'l.writer_id').andOn('e.seq', '=', 'l.seq');
    }).where('l.leaf_index', '>=', size).orderBy('l.leaf_index').limit(PAGE)
      .select('l.leaf_index', 'l.writer_id', 'l.seq', 'l.leaf_hash', 'e.hash') as { leaf_index: number | string; writer_id: string; seq: number | string; leaf_hash: string; hash: string | null }[];
    if (rows.length === 0) break;
    const first = size;
    const leaves: Buffer[] = [];
    for (const row of rows) {
      const index = Number(row.leaf_index);
      if (index !== size + leaves.length) {
        problem(`leaf ${size + leaves.length} is missing: leaves were deleted from the tree`);
        return finish();
      }
      const leaf = Buffer.from(row.leaf_hash, 'hex');
      if (row.hash === null) {
        if (Number(row.seq) > (anchors.get(row.writer_id) ?? 0)) problem(`leaf ${index}: its event is not in the store and was not pruned: it was deleted`);
      } else if (!leaf.equals(leafOf(row.hash))) {
        problem(`leaf ${index} is not its event's: the event or the leaf was changed`);
      }
      leaves.push(leaf);
    }
    // One leaf at a time, so that a checkpoint at any size inside the page is checked at its own size.
    const made = new Map<string, Buffer>();
    for (const leaf of leaves) {
      const { nodes } = append(size, [leaf], lookup);
      size += 1;
      for (const node of nodes) {
        frontier.set(`${node.level}:${node.index}`, node.hash);
        if (node.level > 0) made.set(`${node.level}:${node.index}`, node.hash);
      }
      frontier = new Map(frontierOf(size).map(({ level, index }) => [`${level}:${index}`, frontier.get(`${level}:${index}`)!]));
      await checkCheckpointsAt(size);
    }
    await checkStoredNodes(db, first, size, made, problem);
  }
  return finish();

  async function finish(): Promise<TreeReport> {
    for (const checkpoint of checkpoints.slice(nextCheckpoint)) {
      problem(`the checkpoint of size ${Number(checkpoint.tree_size)} is beyond the tree of ${size} leaves: leaves were removed (a truncated or rolled-back store)`);
    }
    const beyond = await nodesBeyond(db, size);
    if (beyond > 0) problem(`${beyond} node(s) of the tree lie beyond its ${size} leaves: they were put there, not made by the log`);
    for (const anchor of await anchorsNotTheirLeaves(db)) problem(`the pruning anchor of chain ${anchor} is not the leaf of its event: the anchor was forged`);
    const orphans = await eventsWithoutLeaf(db);
    if (orphans > 0) problem(`${orphans} event(s) have no leaf and are not queued for one: they were inserted past samgraf's writers, or the queue was emptied`);
    const queued = await queuedEvents(db);
    return { ok: problems.length === 0, leaves: size, queued, checkpoints: checked, signaturesChecked: logKey !== null, problems };
  }
}

function leafOf(eventHash: string): Buffer {
  return leafHash(Buffer.from(eventHash, 'hex'));
}

async function checkCheckpoint(row: { tree_size: number | string; root_hash: string; note: string }, root: Buffer, logKey: VerifierKey | null, problem: (text: string) => void): Promise<void> {
  const size = Number(row.tree_size);
  if (row.root_hash !== root.toString('hex')) {
    problem(`the checkpoint of size ${size} does not have the tree's root at that size: the tree was rewritten after it was signed`);
    return;
  }
  let note;
  try {
    note = parseNote(row.note);
  } catch (error) {
    problem(`the checkpoint of size ${size} is not a signed note (${(error as NoteError).problem})`);
    return;
  }
  // Without the key, at least the note must say the size and root it is stored with.
  const [, sizeLine, rootLine] = note.text.split('\n');
  if (sizeLine !== String(size) || rootLine !== root.toString('base64')) {
    problem(`the checkpoint of size ${size} says something else than its stored size and root`);
    return;
  }
  if (logKey === null) return;
  if (note.text !== checkpointText(logKey.name, size, root)) {
    problem(`the checkpoint of size ${size} says something else than its stored size and root (${toBase64(root).slice(0, 8)}…)`);
    return;
  }
  try {
    if (!await signatureBy(note, logKey)) problem(`the checkpoint of size ${size} is not signed by the log's key`);
  } catch {
    problem(`the checkpoint of size ${size} has a signature of the log's key that does not verify`);
  }
}

/** The interior nodes the leaves [from, to) completed, against those stored. */
async function checkStoredNodes(db: Knex, from: number, to: number, made: Map<string, Buffer>, problem: (text: string) => void): Promise<void> {
  if (made.size === 0) return;
  const byLevel = new Map<number, number[]>();
  for (const key of made.keys()) {
    const [level, index] = key.split(':').map(Number) as [number, number];
    byLevel.set(level, [...byLevel.get(level) ?? [], index]);
  }
  const rows = await db(NODES).select('level', 'node_index', 'hash').where((q) => {
    for (const [level, indexes] of byLevel) q.orWhere((q2) => q2.where('level', level).whereBetween('node_index', [Math.min(...indexes), Math.max(...indexes)]));
  }) as { level: number | string; node_index: number | string; hash: string }[];
  const stored = new Map(rows.map((row) => [`${Number(row.level)}:${Number(row.node_index)}`, row.hash]));
  for (const [key, hash] of made) {
    if (stored.get(key) !== hash.toString('hex')) {
      problem(`the tree's node ${key} (leaves ${from}–${to - 1}) is ${stored.has(key) ? 'not the hash of its children' : 'missing'}: proofs served from it would be wrong`);
      return;
    }
  }
}

/** Events with no leaf that are not in the queue either, counted in one statement so that a round running meanwhile cannot make one look lost. */
async function eventsWithoutLeaf(db: Knex): Promise<number> {
  const row = await db('audit_events as e')
    .whereNotExists(db(LEAVES).select(db.raw('1')).whereRaw('?? = ?? and ?? = ??', [`${LEAVES}.writer_id`, 'e.writer_id', `${LEAVES}.seq`, 'e.seq']))
    .whereNotExists(db(PENDING).select(db.raw('1')).whereRaw('?? = ?? and ?? between ?? and ??', [`${PENDING}.writer_id`, 'e.writer_id', 'e.seq', `${PENDING}.from_seq`, `${PENDING}.to_seq`]))
    .count({ n: '*' }).first() as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Interior nodes at places a tree of `size` leaves has not reached. */
async function nodesBeyond(db: Knex, size: number): Promise<number> {
  const row = await db(NODES).where((q) => {
    for (let level = 1; level <= 62; level += 1) q.orWhere((q2) => q2.where('level', level).andWhere('node_index', '>=', Math.floor(size / 2 ** level)));
  }).count({ n: '*' }).first() as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** Chains whose pruning anchor (the last pruned event's hash) is not the leaf the tree has for that event. */
async function anchorsNotTheirLeaves(db: Knex): Promise<string[]> {
  const rows = await db('audit_chain_anchors as a').join(`${LEAVES} as l`, function join() {
    this.on('l.writer_id', '=', 'a.writer_id').andOn('l.seq', '=', 'a.seq');
  }).select('a.writer_id', 'a.hash', 'l.leaf_hash') as { writer_id: string; hash: string; leaf_hash: string }[];
  return rows.filter((row) => leafOf(row.hash).toString('hex') !== row.leaf_hash).map((row) => row.writer_id);
}

async function queuedEvents(db: Knex): Promise<number> {
  const row = await db(PENDING).sum({ n: db.raw('?? - ?? + 1', ['to_seq', 'from_seq']) }).first() as { n: number | string | null } | undefined;
  return Number(row?.n ?? 0);
}

/** The tree's part of `samgraf audit verify`'s report. */
export function describeTreeReport(report: TreeReport): string {
  const lines = [`tree: ${report.leaves} leaves, ${report.queued} event(s) queued for a leaf, ${report.checkpoints} signed checkpoint(s) checked${report.signaturesChecked ? '' : ' — their signatures NOT checked: no verifier key (accessLog.signingKeyFile, or --key)'}`];
  for (const problem of report.problems) lines.push(`BROKEN: tree: ${problem}`);
  lines.push(report.ok ? 'Merkle tree intact: every leaf is its event\'s and every checkpoint is of this tree' : `Merkle tree NOT intact: ${report.problems.length} problem(s)`);
  return `${lines.join('\n')}\n`;
}
