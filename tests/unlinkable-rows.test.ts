/**
 * Rows no request can reach are still reported (legacy-sources.md §4: "A payee without a Swedish number cannot
 * be linked to a person and is a data-quality finding"): counted once at start, in the operational log and in
 * samgraf_data_quality_findings_total — without any personal data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateLegacyData } from './helpers/legacy-data.js';
import { capturingLogger, startTestServer, type CapturedLog, type TestServer } from './helpers/samgraf.js';
import { seededSources, type Dialect, type SeededSources } from './helpers/seeded.js';

const DATA_SET = { citizens: 150, seed: 'unlinkable-rows' } as const;

for (const dialect of ['mariadb', 'sqlite'] as const satisfies readonly Dialect[]) {
  describe(`legacy rows no request can reach are reported at start (${dialect})`, () => {
    let seeded: SeededSources;
    let server: TestServer;
    let log: CapturedLog;
    const expected = generateLegacyData(DATA_SET).agi_individuppgift.filter((row) => row.betalningsmottagare === null).length;

    before(async () => {
      seeded = await seededSources(dialect, DATA_SET);
      log = capturingLogger();
      server = await startTestServer(seeded.urls, {}, {}, log.logger);
    });

    after(async () => {
      await server?.close();
      await seeded?.drop();
    });

    test('payees without a Swedish number: one log line with their count, and the counter', async () => {
      assert.ok(expected > 0, 'the generated data has payees without a number');
      const lines = log.lines().filter((line) => line.msg === 'legacy rows no request can reach');
      assert.deepEqual(lines.map((line) => line.dataQuality), [{
        source: 'incomeRegister', table: 'agi_individuppgift', column: 'agi_individuppgift.betalningsmottagare',
        problem: 'payee without a Swedish personal number: cannot be linked to a person', count: expected,
      }]);
      const metrics = await (await fetch(new URL('/metrics', server.url))).text();
      const sample = metrics.split('\n').find((line) => line.startsWith('samgraf_data_quality_findings_total{') && line.includes('column="agi_individuppgift.betalningsmottagare"'));
      assert.ok(sample, metrics.split('\n').filter((line) => line.startsWith('samgraf_data_quality')).join('\n'));
      assert.equal(Number(sample.split(' ').at(-1)), expected);
    });
  });
}
