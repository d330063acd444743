/**
 * The list arguments: `benefits(status:, type:)` and `cases(status:)` return exactly the matching items of
 * each citizen, in the same order as the unfiltered list, and the unfiltered list is everything.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';

interface Item { id: string; status: string; type: string }
interface Person { personalNumber: string; benefits: Item[]; cases: Item[] }

describe('list filters on benefits and cases (MariaDB)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let people: Person[];

  before(async () => {
    seeded = await seededSources('mariadb', { citizens: 300, seed: 'list-filters' });
    server = await startTestServer(seeded.urls);
    const page = await server.query<{ citizensByMunicipality: { edges: { node: { personalNumber: string } }[] } }>(
      '{ citizensByMunicipality(code: "0180", first: 100) { edges { node { personalNumber } } } }');
    const numbers = page.data!.citizensByMunicipality.edges.map((e) => e.node.personalNumber);
    const all = await server.query<{ citizens: Person[] }>(
      'query($p: [String!]!) { citizens(personalNumbers: $p) { personalNumber benefits { id status type } cases { id status type } } }', { p: numbers });
    assert.equal(all.errors, undefined, JSON.stringify(all.errors));
    people = all.data!.citizens;
  });

  after(async () => {
    await server?.close();
    await seeded?.drop();
  });

  async function filtered(args: { bs?: string[]; bt?: string[]; cs?: string[] }): Promise<Person[]> {
    const result = await server.query<{ citizens: Person[] }>(
      `query($p: [String!]!, $bs: [BenefitStatus!], $bt: [BenefitType!], $cs: [CaseStatus!]) {
        citizens(personalNumbers: $p) { personalNumber benefits(status: $bs, type: $bt) { id status type } cases(status: $cs) { id status type } }
      }`,
      { p: people.map((p) => p.personalNumber), ...args },
    );
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data!.citizens;
  }

  it('the data has benefits and cases of several statuses and types to filter', () => {
    assert.ok(new Set(people.flatMap((p) => p.benefits.map((b) => b.status))).size >= 2);
    assert.ok(new Set(people.flatMap((p) => p.benefits.map((b) => b.type))).size >= 2);
    assert.ok(new Set(people.flatMap((p) => p.cases.map((c) => c.status))).size >= 2);
  });

  it('no arguments (or null) give every item', async () => {
    assert.deepEqual(await filtered({}), people);
  });

  it('status, type and both together keep exactly the matching items, in order', async () => {
    const status = people.flatMap((p) => p.benefits)[0]!.status;
    const type = people.flatMap((p) => p.benefits)[0]!.type;
    const caseStatus = people.flatMap((p) => p.cases)[0]!.status;
    for (const args of [{ bs: [status] }, { bt: [type] }, { bs: [status], bt: [type] }, { cs: [caseStatus] }]) {
      const expected = people.map((p) => ({
        ...p,
        benefits: p.benefits.filter((b) => (!args.bs || args.bs.includes(b.status)) && (!args.bt || args.bt.includes(b.type))),
        cases: p.cases.filter((c) => !args.cs || args.cs.includes(c.status)),
      }));
      assert.deepEqual(await filtered(args), expected, JSON.stringify(args));
    }
  });

  it('an empty list matches nothing', async () => {
    const none = await filtered({ bs: [], cs: [] });
    assert.ok(none.every((p) => p.benefits.length === 0 && p.cases.length === 0));
  });
});
