/**
 * Change capture by polling (src/events/capture.ts) and each module's derivation rules (sources/<source>/changes.ts):
 * generated inserts, updates and corrections in the four sources, on MariaDB with the income register on
 * PostgreSQL, and on SQLite, yield exactly the documented events — once, across restarts, with the same ids after
 * a crash, and without missing a row at the watermark (equal times, late commits, the repeated autumn hour).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { SOURCE_MODULES } from '../sources/registry.js';
import { openDatabase } from '../src/core/db.js';
import { swedishWallClockNow } from '../src/core/life-events.js';
import { ChangeApplier, ChangeCapture, rewind, type CapturedEvent } from '../src/events/capture.js';
import { BinlogCapture } from '../src/events/binlog.js';
import { parseDatabaseUrl, type ServerTarget } from '../src/core/db.js';
import { startBinlogServer, type BinlogServer } from './helpers/binlog-mariadb.js';
import { silentLogger } from '../src/log.js';
import { migrateStore } from '../src/store/migrations.js';
import { MOVER, NEWBORN as CHILD, PARENT_A as A, PARENT_B as B, decision, jobCase, legacyDatabases, person, pnr, statement, step, type LegacyDatabases, type LegacyDialect } from './helpers/life-events.js';

const SECRET = Buffer.alloc(32, 7);
const OPTIONS = { pollIntervalMs: 1000, lateCommitSeconds: 5, pageRows: 1000 };

const IMMIGRANT = pnr('19900303', '111');
const RENAMED = pnr('19710505', '333');
const PROTECTED = pnr('19720606', '444');
const DIES = pnr('19300707', '555');
const EMIGRATES = pnr('19800808', '666');
const PAYEE = pnr('19750909', '777');
const COORDINATION = pnr('20260165', '280'); // day + 60: a coordination number, never a birth

const summary = (events: readonly CapturedEvent[]) => events.map((e) => `${e.type} ${e.subject}${e.related?.length ? ` [${e.related.map((r) => `${r.relation}:${r.personalNumber}`).join(' ')}]` : ''}`).sort();

/** A way of capturing, run once per round: polling, or the binary log (a new reader each time, resuming). */
interface Capturer {
  run(settleTimeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

for (const dialect of ['mariadb', 'sqlite', 'mariadb-binlog'] as LegacyDialect[]) {
  describe(`life events from the sources' changes (${dialect === 'mariadb-binlog' ? 'MariaDB binary log, income register polled' : dialect})`, () => {
    const binlog = dialect === 'mariadb-binlog';
    let server: BinlogServer | null = null;
    let legacy: LegacyDatabases;
    let store: Knex;
    let published: CapturedEvent[];
    const capture = (publish?: (events: readonly CapturedEvent[]) => Promise<void>, options = OPTIONS): Capturer => {
      const emit = publish ?? (async (events) => { published.push(...events); });
      const sources = SOURCE_MODULES.map((module) => ({ name: module.name, db: legacy.db[module.name]!, tables: module.changes!.tables, dialect: module.dialect }));
      const polled = sources.filter((source) => !binlog || source.dialect !== 'mysql');
      const polling = new ChangeCapture(store, polled, emit, SECRET, options, silentLogger());
      if (!binlog) return { run: async () => { await polling.pollAll(); }, stop: async () => undefined };
      const readers = sources.filter((source) => source.dialect === 'mysql').map((source) => new BinlogCapture(
        store, { ...source, target: parseDatabaseUrl(legacy.urls[source.name]!) as ServerTarget, serverId: 1000 + Math.floor(Math.random() * 100_000) },
        new ChangeApplier(emit, SECRET), (table) => polling.snapshot(source, table), silentLogger(),
      ));
      return {
        async run(settleTimeoutMs) {
          await Promise.all(readers.map((reader) => reader.start()));
          await Promise.all(readers.map((reader) => reader.settle(settleTimeoutMs)));
          await polling.pollAll();
        },
        stop: async () => { await Promise.all(readers.map((reader) => reader.stop())); },
      };
    };
    const round = async (c = capture()) => {
      published = [];
      try {
        await c.run();
      } finally {
        await c.stop();
      }
      return published;
    };

    before(async () => {
      if (binlog) server = await startBinlogServer();
      legacy = await legacyDatabases(dialect, server?.url);
      store = openDatabase(legacy.storeUrl);
      await migrateStore(store);
      const fb = legacy.db.populationRegister!;
      const t0 = '2026-01-10 10:00:00';
      await fb('FB_PERSON').insert([A, B, MOVER, RENAMED, PROTECTED, DIES, EMIGRATES, PAYEE].map((n) => person(n, t0)));
      await fb('FB_RELATION').insert([{ PERSONID: A, RELID: B, RELTYP: 'MA' }, { PERSONID: B, RELID: A, RELTYP: 'MA' }]);
      await legacy.db.socialInsurance!('FK_BESLUT').insert([decision(1, A, 'I', t0), decision(2, B, 'B', t0), decision(3, MOVER, 'B', t0)]);
      await legacy.db.employmentService!('AF_ARENDE').insert([jobCase('AF-2026-000001', A, 'OPPET', '2026-01-02 09:00:00')]);
      await legacy.db.employmentService!('AF_HANDLINGSPLAN').insert([step('AF-2026-000001', 1, 'PLANERAD', t0)]);
      await legacy.db.incomeRegister!('agi_individuppgift').insert([statement(1, PAYEE, '202512', '2026-01-05T10:00:00+01:00')]);
    });
    after(async () => {
      await store?.destroy();
      await legacy?.drop();
      await server?.stop();
    });

    it('reads what existed before as its starting point: no events', async () => {
      assert.deepEqual(summary(await round()), []);
      const phases = await store('event_capture_positions').whereNot('tbl', '#binlog').select('phase');
      assert.equal(phases.length, 5);
      assert.ok(phases.every((p: { phase: string }) => p.phase === 'live'));
    });

    it('derives exactly the documented events from inserts, updates and corrections', async () => {
      const fb = legacy.db.populationRegister!;
      const t1 = '2026-01-10 12:00:00';
      await fb('FB_PERSON').insert(person(CHILD, t1, { FOLKBOKFORINGSDATUM: '20260106', FORNAMN: 'Liv' }));
      await fb('FB_RELATION').insert([
        { PERSONID: CHILD, RELID: A, RELTYP: 'VH' }, { PERSONID: CHILD, RELID: B, RELTYP: 'VH' },
        { PERSONID: A, RELID: CHILD, RELTYP: 'BA' }, { PERSONID: B, RELID: CHILD, RELTYP: 'BA' },
      ]);
      await fb('FB_PERSON').whereIn('PERSONID', [A, B]).update({ SENAST_ANDRAD: t1 });
      await fb('FB_PERSON').insert(person(IMMIGRANT, t1, { FOLKBOKFORINGSDATUM: '20260108' }));
      await fb('FB_PERSON').insert(person(COORDINATION, t1, { FOLKBOKFORINGSDATUM: '20260106' }));
      // A corrected number: a new row for someone registered at birth, long ago.
      await fb('FB_PERSON').insert(person(pnr('19900101', '242'), t1, { FOLKBOKFORINGSDATUM: '19900101' }));
      await fb('FB_PERSON').where('PERSONID', MOVER).update({ KOMMUNKOD: '1480', LANKOD: '14', UTDELNINGSADRESS: 'Avenyn 2', POSTNR: '41136', POSTORT: 'Göteborg', SENAST_ANDRAD: t1 });
      await fb('FB_PERSON').where('PERSONID', RENAMED).update({ EFTERNAMN: 'Berg', POSTORT: 'STOCKHOLM', SENAST_ANDRAD: t1 });
      await fb('FB_PERSON').where('PERSONID', PROTECTED).update({ SKYDDAD_FB: 'J', UTDELNINGSADRESS: 'Box 123', POSTNR: '10000', SENAST_ANDRAD: t1 });
      await fb('FB_PERSON').where('PERSONID', DIES).update({ AVREG_ORSAK: 'AV', AVREG_DATUM: '20260109', SENAST_ANDRAD: t1 });
      await fb('FB_PERSON').where('PERSONID', EMIGRATES).update({ AVREG_ORSAK: 'UV', AVREG_DATUM: '20260109', SENAST_ANDRAD: t1 });
      const fk = legacy.db.socialInsurance!;
      await fk('FK_BESLUT').where('BESLUT_ID', 1).update({ STATUS: 'B', BESLUTSDATUM: '2026-01-10', ANDRAD_TS: t1 });
      await fk('FK_BESLUT').where('BESLUT_ID', 2).update({ BELOPP_ORE: 130000, ANDRAD_TS: t1 });
      await fk('FK_BESLUT').where('BESLUT_ID', 3).update({ STATUS: 'U', ANDRAD_TS: t1 });
      await fk('FK_BESLUT').insert(decision(4, CHILD, 'I', t1));
      const af = legacy.db.employmentService!;
      await af('AF_ARENDE').insert(jobCase('AF-2026-000002', MOVER, 'OPPET', t1));
      await af('AF_ARENDE').where('ARENDE_ID', 'AF-2026-000001').update({ STATUS: 'AVSLUTAT', AVSLUTAT: t1 });
      await af('AF_HANDLINGSPLAN').where({ ARENDE_ID: 'AF-2026-000001', STEG: 1 }).update({ STATUS: 'KLAR', UPPDATERAD: t1 });
      await af('AF_HANDLINGSPLAN').insert(step('AF-2026-000002', 1, 'PLANERAD', t1));
      // Deletes make no event: a withdrawn decision row, a step, a relation.
      await fk('FK_BESLUT').insert(decision(9, B, 'I', '2026-01-09 09:00:00'));
      await fk('FK_BESLUT').where('BESLUT_ID', 9).delete();
      await af('AF_HANDLINGSPLAN').insert(step('AF-2026-000001', 2, 'PLANERAD', t1));
      await af('AF_HANDLINGSPLAN').where({ ARENDE_ID: 'AF-2026-000001', STEG: 2 }).delete();
      await fb('FB_RELATION').where({ PERSONID: A, RELID: B }).delete();
      await fb('FB_RELATION').insert({ PERSONID: A, RELID: B, RELTYP: 'MA' });
      const agi = legacy.db.incomeRegister!;
      await agi('agi_individuppgift').insert([
        statement(2, PAYEE, '202512', '2026-01-10T12:00:00+01:00', { kontant_ersattning: 33000 }),
        statement(3, PAYEE, '202601', '2026-01-10T12:00:01+01:00'),
        statement(4, PAYEE, '202511', '2026-01-10T12:00:02+01:00', { borttag: true }),
        statement(5, null, '202601', '2026-01-10T12:00:03+01:00'),
      ]);

      const events = await round();
      assert.deepEqual(summary(events), [
        `action-plan.changed ${A}`,
        `action-plan.changed ${MOVER}`,
        `benefit.decided ${A}`,
        `benefit.ended ${MOVER}`,
        `case.closed ${A}`,
        `case.opened ${MOVER}`,
        `income.reported ${PAYEE}`,
        `income.reported ${PAYEE}`,
        `income.reported ${PAYEE}`,
        `person.born ${CHILD} [GUARDIAN:${A} GUARDIAN:${B}]`,
        `person.died ${DIES}`,
        `person.emigrated ${EMIGRATES}`,
        `person.moved ${MOVER}`,
        `person.protection-changed ${PROTECTED}`,
        `relation.added ${A} [CHILD:${CHILD}]`,
        `relation.added ${B} [CHILD:${CHILD}]`,
      ].sort());
      const incomes = events.filter((e) => e.type === 'income.reported').map((e) => [e.data.period!.value, e.data.correction!.value, e.data.withdrawn!.value]).sort();
      assert.deepEqual(incomes, [['2025-11', false, true], ['2025-12', true, false], ['2026-01', false, false]]);
      const moved = events.find((e) => e.type === 'person.moved')!;
      assert.equal(moved.data.municipalityCode!.value, '1480');
      assert.equal(moved.data.previousMunicipalityCode!.value, '0180');
      const protection = events.find((e) => e.type === 'person.protection-changed')!;
      assert.equal(protection.data.protectedIdentity!.value, 'PROTECTED_REGISTRATION');
      assert.equal(protection.data.municipalityCode, undefined, 'no place of a protected person');
      assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'one id per event');
    });

    it('makes no event twice: not on the next round, nor after a restart', async () => {
      assert.deepEqual(summary(await round()), []);
      assert.deepEqual(summary(await round(capture())), []);
    });

    it('publishes the same ids again when a round fails after publishing', async () => {
      const fb = legacy.db.populationRegister!;
      await fb('FB_PERSON').where('PERSONID', RENAMED).update({ KOMMUNKOD: '0114', SENAST_ANDRAD: '2026-01-11 08:00:00' });
      const attempted: string[] = [];
      const failing = capture(async (events) => {
        attempted.push(...events.map((e) => e.id));
        throw new Error('the bus went away');
      });
      // The binary log's reader retries a failed batch until stopped: its run ends at the settle timeout.
      await failing.run(3000).catch(() => undefined);
      await failing.stop();
      assert.equal(new Set(attempted).size, 1);
      const again = await round();
      assert.deepEqual(again.map((e) => e.id), [attempted[0]]);
      assert.equal(again[0]!.type, 'person.moved');
    });

    it('misses nothing at the watermark: the same time, a late commit, the repeated autumn hour', async () => {
      const fb = legacy.db.populationRegister!;
      const newborn = (n: string, at: string) => person(n, at, { PERSONID: n, FOLKBOKFORINGSDATUM: `${n.slice(0, 8)}` });
      // The watermark is now 2026-01-11 08:00:00: a row with exactly that time, and one committed 3 s "late".
      const same = pnr('20260110', '012');
      const late = pnr('20260110', '020');
      await fb('FB_PERSON').insert([newborn(same, '2026-01-11 08:00:00'), newborn(late, '2026-01-11 07:59:57')]);
      assert.deepEqual(summary(await round()), [`person.born ${late}`, `person.born ${same}`].sort());
      // 2026-10-25 02:00–03:00 happens twice in Stockholm. A row in the first run moves the watermark to 02:40;
      // one written in the second run, at 02:05, is 35 minutes "older" and still found.
      const first = pnr('20261024', '037');
      const second = pnr('20261024', '045');
      await fb('FB_PERSON').insert(newborn(first, '2026-10-25 02:40:00'));
      assert.deepEqual(summary(await round()), [`person.born ${first}`]);
      await fb('FB_PERSON').insert(newborn(second, '2026-10-25 02:05:00'));
      assert.deepEqual(summary(await round()), [`person.born ${second}`]);
      // Beyond the late-commit window on an ordinary day, an older time is not read again by polling (the window is
      // the rule); the binary log has no window, and sees it.
      const tooLate = pnr('20261024', '053');
      await fb('FB_PERSON').insert(newborn(tooLate, '2026-10-25 01:00:00'));
      await fb('FB_PERSON').insert(newborn(pnr('20261025', '060'), '2026-10-25 04:00:00'));
      assert.deepEqual(summary(await round()), [`person.born ${pnr('20261025', '060')}`, ...(binlog ? [`person.born ${tooLate}`] : [])].sort());
    });

    it('gets past more rows of one time than a page holds (a bulk load), and past a row stamped in the future', async () => {
      const fb = legacy.db.populationRegister!;
      const bulk = Array.from({ length: 10 }, (_, i) => pnr('20261101', String(100 + 2 * i).padStart(3, '0')));
      await fb('FB_PERSON').insert(bulk.map((n) => person(n, '2026-11-02 09:00:00', { FOLKBOKFORINGSDATUM: '20261102' })));
      await fb('FB_PERSON').insert(person(pnr('19600101', '123'), '2099-01-01 00:00:00'));
      // Rows that make no event (payees without a Swedish number) fill whole pages, and still move the watermark.
      await legacy.db.incomeRegister!('agi_individuppgift').insert([
        ...Array.from({ length: 7 }, (_, i) => statement(100 + i, null, '202610', `2026-11-0${i + 1}T10:00:00+01:00`)),
        statement(110, PAYEE, '202610', '2026-11-09T10:00:00+01:00'),
      ]);
      assert.deepEqual(summary(await round(capture(undefined, { ...OPTIONS, pageRows: 3 }))), [...bulk.map((n) => `person.born ${n}`), `income.reported ${PAYEE}`].sort());
      // The future row did not carry the watermark past today: a change made now is still seen.
      const now = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'medium' }).format(new Date());
      await fb('FB_PERSON').where('PERSONID', MOVER).update({ KOMMUNKOD: '0180', SENAST_ANDRAD: now });
      assert.deepEqual(summary(await round()), [`person.moved ${MOVER}`]);
    });
  });
}

describe('a change made while a table is first read', () => {
  it('is an event once the first read is done, not a row remembered silently', async () => {
    const legacy = await legacyDatabases('sqlite');
    const store = openDatabase(legacy.storeUrl);
    try {
      await migrateStore(store);
      const fb = legacy.db.populationRegister!;
      await fb('FB_PERSON').insert([A, B, MOVER].map((n) => person(n, '2026-01-10 10:00:00')));
      const born = pnr(swedishWallClockNow().slice(0, 10).replaceAll('-', ''), '982');
      const register = SOURCE_MODULES.find((module) => module.name === 'populationRegister')!;
      let reads = 0;
      // The agency's system registers a birth just after the first page was read.
      const table = { ...register.changes!.tables[0]!, async changedSince(db: Knex, since: string | null, limit: number) {
        const page = await register.changes!.tables[0]!.changedSince(db, since, limit);
        if (reads++ === 0) await fb('FB_PERSON').insert(person(born, swedishWallClockNow(), { FOLKBOKFORINGSDATUM: born.slice(0, 8) }));
        return page;
      } };
      const published: CapturedEvent[] = [];
      const capture = new ChangeCapture(store, [{ name: register.name, db: fb, tables: [table] }], async (events) => { published.push(...events); }, SECRET, { ...OPTIONS, pageRows: 2 }, silentLogger());
      await capture.pollAll();
      await capture.pollAll();
      assert.deepEqual(summary(published), [`person.born ${born}`]);
    } finally {
      await store.destroy();
      await legacy.drop();
    }
  });
});

describe('where a round starts reading', () => {
  it('goes back by the late-commit window, and to the start of the repeated autumn hour', () => {
    assert.equal(rewind('2026-01-11 08:00:00', 'swedish-local-time', 5), '2026-01-11 07:59:55');
    assert.equal(rewind('2026-10-25 02:40:00', 'swedish-local-time', 5), '2026-10-25 02:00:00');
    assert.equal(rewind('2026-10-25 03:00:03', 'swedish-local-time', 5), '2026-10-25 02:00:00');
    assert.equal(rewind('2026-10-25 03:10:00', 'swedish-local-time', 5), '2026-10-25 03:09:55');
    assert.equal(rewind('2026-03-29 03:10:00', 'swedish-local-time', 5), '2026-03-29 03:09:55');
    assert.equal(rewind('2026-01-11T08:00:00.000Z', 'instant', 10), '2026-01-11T07:59:50.000Z');
  });
});
