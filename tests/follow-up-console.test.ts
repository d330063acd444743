/**
 * The console's Follow-up page (issue 18) in a real browser: Debian's Chromium against samgraf on MariaDB,
 * reaching nothing but samgraf (tests/helpers/browser.ts), with axe-core on every state, in English and Swedish.
 *
 * The access log gets a known month first, written with the days' timestamps as samgraf's own writer writes them
 * (as tests/follow-up.test.ts does): ordinary reads by FK, AF and Stockholm's partner key, and planted reads the
 * follow-up must flag — 21 outside working hours (so the findings take two pages), two social-services reads
 * without a case reference, a protected person's address, and an officer reading their own spouse. The page must
 * list exactly the API's findings in its order, filter and page them, open their events, take a reviewer's
 * verdict (and show no form to an auditor without audit:review), and draw both charts with tables holding
 * exactly the counts of what was written.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import type { Page } from 'playwright-core';
import { Temporal } from 'temporal-polyfill';
import type { DataCategory, EventDraft, EventPrincipal } from '../src/access-log/event.js';
import { AuditLog } from '../src/access-log/writer.js';
import { openDatabase } from '../src/core/db.js';
import { axeCheck, launchLoopbackBrowser, screenshot, type LoopbackBrowser } from './helpers/browser.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

// Functions passed to page.evaluate run in the browser; the server's TypeScript has no DOM library.
declare const document: { documentElement: { lang: string }; activeElement: { textContent: string | null } | null };
declare function scrollTo(x: number, y: number): void;

const DATA_SET = { citizens: 300, seed: 'follow-up-console' } as const;
const DATA = generateLegacyData(DATA_SET);
const ZONE = 'Europe/Stockholm';
const TODAY = Temporal.Now.plainDateISO(ZONE);
/** The reads are on 20 days that end the day before the test runs. */
const DAYS = 20;
/** The period typed into the page: four weeks up to today, the page's own default. */
const FROM = TODAY.subtract({ days: 27 });
const TO = TODAY;
const PAGE_SIZE = 20;

const at = (day: number, hour: number, minute: number) =>
  TODAY.subtract({ days: DAYS - day }).toZonedDateTime({ timeZone: ZONE, plainTime: Temporal.PlainTime.from({ hour, minute }) }).toInstant().toString();
const stockholmDay = (iso: string) => Temporal.Instant.from(iso).toZonedDateTimeISO(ZONE).toPlainDate();
const weekKey = (day: Temporal.PlainDate) => `${day.yearOfWeek}-W${String(day.weekOfYear).padStart(2, '0')}`;
const formatPnr = (pnr: string) => `${pnr.slice(0, 8)}-${pnr.slice(8)}`;

type Language = 'en' | 'sv';
type Kind = 'RELATIVE_OR_HOUSEHOLD' | 'PROTECTED_PERSON' | 'VOLUME_OUTLIER' | 'NO_CASE_REFERENCE' | 'OFF_HOURS';
const KINDS: readonly Kind[] = ['RELATIVE_OR_HOUSEHOLD', 'PROTECTED_PERSON', 'VOLUME_OUTLIER', 'NO_CASE_REFERENCE', 'OFF_HOURS'];

/** The page as a visitor reads it in each language. */
const WORDS = {
  en: {
    locale: 'en-GB', token: 'Access token or API key', signIn: 'Sign in', events: 'Access-log events', nav: 'Follow-up', title: 'Follow-up of the access log',
    from: 'From date', to: 'To date', kind: 'Kind', organisation: 'Reader\'s organisation', reviewed: 'Review', order: 'Order', show: 'Show',
    score: 'Highest score first', readsChart: 'Reads per organisation per day', findingsChart: 'Findings per kind per week', total: 'Total',
    kinds: { RELATIVE_OR_HOUSEHOLD: 'Relative or household', PROTECTED_PERSON: 'Protected person', VOLUME_OUTLIER: 'Unusual volume', NO_CASE_REFERENCE: 'No case reference', OFF_HOURS: 'Outside working hours' },
    verdicts: { JUSTIFIED: 'Justified', UNJUSTIFIED: 'Unjustified', NEEDS_FOLLOW_UP: 'Needs follow-up' },
    openReview: 'Review this finding', fk: 'Swedish Social Insurance Agency (FK)',
  },
  sv: {
    locale: 'sv-SE', token: 'Åtkomsttoken eller API-nyckel', signIn: 'Logga in', events: 'Händelser i åtkomstloggen', nav: 'Uppföljning', title: 'Uppföljning av åtkomstloggen',
    from: 'Från datum', to: 'Till datum', kind: 'Typ', organisation: 'Läsarens organisation', reviewed: 'Granskning', order: 'Ordning', show: 'Visa',
    score: 'Högsta poäng först', readsChart: 'Läsningar per organisation och dag', findingsChart: 'Avvikelser per typ och vecka', total: 'Totalt',
    kinds: { RELATIVE_OR_HOUSEHOLD: 'Anhörig eller samma hushåll', PROTECTED_PERSON: 'Person med skyddad identitet', VOLUME_OUTLIER: 'Ovanligt många personer', NO_CASE_REFERENCE: 'Utan ärendehänvisning', OFF_HOURS: 'Utanför arbetstid' },
    verdicts: { JUSTIFIED: 'Befogad', UNJUSTIFIED: 'Obefogad', NEEDS_FOLLOW_UP: 'Behöver utredas' },
    openReview: 'Bedöm avvikelsen', fk: 'Försäkringskassan (FK)',
  },
} as const;

interface ApiFinding {
  id: string;
  kind: Kind;
  score: number;
  explanation: string;
  subjects: string[];
  event: { requestId: string; occurredAt: string; principal: { subject: string; organization: string } };
  review: { verdict: string; note: string | null; reviewer: string } | null;
  reviews: { verdict: string }[];
}

describe('the console\'s Follow-up page in Chromium (MariaDB, loopback only)', () => {
  let seeded: SeededSources;
  let server: TestServer;
  let store: Knex;
  let origin: string;
  let browser: LoopbackBrowser;
  let tokens: { auditor: string; reviewer: string };
  /** What was written: each read with the kind the follow-up must find there, or null. */
  const written: { draft: EventDraft; kind: Kind | null }[] = [];
  let spouse: string;
  let protectedPerson: string;

  const headersOf = (token: string) => ({ authorization: `Bearer ${token}`, 'x-purpose': 'audit' });

  /** Every finding of the period through the API, as the auditor reads them, in the given order. */
  async function apiFindings(filter = '', order: 'NEWEST' | 'SCORE' = 'NEWEST'): Promise<ApiFinding[]> {
    const all: ApiFinding[] = [];
    let cursor: string | null = null;
    for (;;) {
      const reply: { errors?: unknown; data?: any } = await server.query(`query($after: String, $from: DateTime, $to: DateTime) {
        auditFindings(filter: { from: $from, to: $to ${filter} }, order: ${order}, first: 100, after: $after) {
          edges { node { id kind score explanation subjects event { requestId occurredAt principal { subject organization } } review { verdict note reviewer } reviews { verdict } } }
          pageInfo { hasNextPage endCursor } } }`, {
        after: cursor,
        from: FROM.toZonedDateTime({ timeZone: ZONE }).toInstant().toString(),
        to: TO.add({ days: 1 }).toZonedDateTime({ timeZone: ZONE }).toInstant().subtract({ milliseconds: 1 }).toString(),
      }, headersOf(tokens.auditor));
      assert.equal(reply.errors, undefined, JSON.stringify(reply.errors));
      all.push(...reply.data.auditFindings.edges.map((edge: { node: ApiFinding }) => edge.node));
      if (!reply.data.auditFindings.pageInfo.hasNextPage) return all;
      cursor = reply.data.auditFindings.pageInfo.endCursor;
    }
  }

  /** Signs in by pasting a token, as an auditor would, and opens the Follow-up page from the navigation. */
  async function openFollowUp(token: string, language: Language): Promise<Page> {
    const words = WORDS[language];
    // Tall enough that the screenshot holds the filters, both charts and the first findings.
    const page = await browser.newPage({ locale: words.locale, viewport: { width: 1280, height: 1900 } });
    await page.goto(`${origin}/console/`);
    await page.getByLabel(words.token).fill(token);
    await page.getByRole('button', { name: words.signIn, exact: true }).click();
    await page.getByRole('heading', { name: words.events, level: 1 }).waitFor();
    await page.getByRole('link', { name: words.nav, exact: true }).click();
    await page.getByRole('heading', { name: words.title, level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console/follow-up');
    await settled(page);
    return page;
  }

  /** The findings and the charts have their answers on screen (each section is aria-busy while it loads). */
  async function settled(page: Page): Promise<void> {
    await page.locator('section[aria-labelledby="findings-heading"][aria-busy="false"]').waitFor();
    await page.locator('section[aria-labelledby="charts-heading"][aria-busy="false"]').waitFor();
  }

  /** Sets filters and presses Show; waits for the findings' answer and its rendering. */
  async function show(page: Page, language: Language, fields: { kind?: string; organisation?: string; reviewed?: string; order?: string; from?: string; to?: string }): Promise<void> {
    const words = WORDS[language];
    if (fields.from !== undefined) await page.getByLabel(words.from, { exact: true }).fill(fields.from);
    if (fields.to !== undefined) await page.getByLabel(words.to, { exact: true }).fill(fields.to);
    if (fields.kind !== undefined) await page.getByLabel(words.kind, { exact: true }).selectOption({ label: fields.kind });
    if (fields.organisation !== undefined) await page.getByLabel(words.organisation, { exact: true }).fill(fields.organisation);
    if (fields.reviewed !== undefined) await page.getByLabel(words.reviewed, { exact: true }).selectOption({ label: fields.reviewed });
    if (fields.order !== undefined) await page.getByLabel(words.order, { exact: true }).selectOption({ label: fields.order });
    await Promise.all([
      page.waitForResponse((response) => response.url() === `${origin}/graphql` && (response.request().postData() ?? '').includes('ConsoleAuditFindings')),
      page.getByRole('button', { name: words.show, exact: true }).click(),
    ]);
    await settled(page);
  }

  const articles = (page: Page) => page.locator('article.finding');
  const shownIds = (page: Page) => articles(page).evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-finding-id')!));

  /** A chart's table, opened: its counts by row (day or week) and series (organisation or kind), as shown. */
  async function chartTable(page: Page, chart: 'reads-chart' | 'findings-chart'): Promise<Record<string, Record<string, string>>> {
    const section = page.locator(`section[data-chart="${chart}"]`);
    if (!(await section.locator('details').evaluate((details) => (details as unknown as { open: boolean }).open))) await section.locator('summary').click();
    await section.locator('table').waitFor();
    return section.locator('table tbody tr').evaluateAll((rows) => Object.fromEntries(rows.map((row) => [
      row.getAttribute('data-row')!,
      Object.fromEntries([...row.querySelectorAll('td[data-series]')].map((cell) => [cell.getAttribute('data-series')!, cell.textContent!.trim()])),
    ])));
  }

  /** What the charts must hold: every day (week) of the period, every series, the count written or 0. */
  function expectedTables(): { reads: Record<string, Record<string, string>>; findings: Record<string, Record<string, string>>; organisations: string[] } {
    const days: Temporal.PlainDate[] = [];
    for (let day = FROM; Temporal.PlainDate.compare(day, TO) <= 0; day = day.add({ days: 1 })) days.push(day);
    const organisations = [...new Set(written.map(({ draft }) => draft.principal.organization!))];
    const reads: Record<string, Record<string, number>> = Object.fromEntries(days.map((day) => [day.toString(), Object.fromEntries(organisations.map((org) => [org, 0]))]));
    const findings: Record<string, Record<string, number>> = Object.fromEntries(days.map((day) => [weekKey(day), Object.fromEntries(KINDS.map((kind) => [kind, 0]))]));
    for (const { draft, kind } of written) {
      const day = stockholmDay(draft.occurredAt);
      reads[day.toString()]![draft.principal.organization!]! += 1;
      if (kind) findings[weekKey(day)]![kind]! += 1;
    }
    const withTotals = (table: Record<string, Record<string, number>>) => Object.fromEntries(Object.entries(table).map(([row, counts]) => [
      row, { ...Object.fromEntries(Object.entries(counts).map(([series, n]) => [series, String(n)])), total: String(Object.values(counts).reduce((a, b) => a + b, 0)) },
    ]));
    return { reads: withTotals(reads), findings: withTotals(findings), organisations };
  }

  async function assertCharts(page: Page, language: Language): Promise<void> {
    const words = WORDS[language];
    const expected = expectedTables();
    // Each chart is a canvas drawn by the bundled chart library, an image named by a summary of its numbers.
    const readsImage = page.getByRole('img', { name: new RegExp(`^${words.readsChart}`) });
    const findingsImage = page.getByRole('img', { name: new RegExp(`^${words.findingsChart}`) });
    assert.equal(await readsImage.evaluate((node) => node.tagName), 'CANVAS');
    assert.equal(await findingsImage.evaluate((node) => node.tagName), 'CANVAS');
    assert.match((await readsImage.getAttribute('aria-label'))!, new RegExp(`${words.total} ${written.length}\\b`));
    assert.match((await findingsImage.getAttribute('aria-label'))!, new RegExp(`${words.total} ${written.filter((w) => w.kind).length}\\b`));
    // The canvas was drawn on: some pixel is not blank.
    assert.ok(await readsImage.evaluate((canvas) => {
      const c = canvas as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
      return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some((value, index) => index % 4 === 3 && value > 0);
    }), 'the reads chart is drawn');
    assert.deepEqual(await chartTable(page, 'reads-chart'), expected.reads, 'reads per organisation per day');
    assert.deepEqual(await chartTable(page, 'findings-chart'), expected.findings, 'findings per kind per week');
    const readsHeaders = await page.locator('section[data-chart="reads-chart"] thead th').allInnerTexts();
    assert.ok(readsHeaders.includes(words.fk), readsHeaders.join(' | '));
    const kindHeaders = await page.locator('section[data-chart="findings-chart"] thead th').allInnerTexts();
    for (const kind of KINDS) assert.ok(kindHeaders.includes(words.kinds[kind]), `${kind}: ${kindHeaders.join(' | ')}`);
  }

  /** The cards shown are exactly these findings, in this order, each with its kind's name, score and explanation. */
  async function assertCards(page: Page, language: Language, expected: ApiFinding[]): Promise<void> {
    assert.deepEqual(await shownIds(page), expected.map((finding) => finding.id));
    for (const [index, finding] of expected.entries()) {
      const card = articles(page).nth(index);
      assert.ok((await card.locator('h3').innerText()).startsWith(WORDS[language].kinds[finding.kind]), `${finding.kind} named in ${language}`);
      const explanation = card.locator('.explanation');
      assert.equal(await explanation.innerText(), finding.explanation);
      // The server's words are English, and say so to a screen reader on a Swedish page.
      assert.equal(await explanation.getAttribute('lang'), 'en');
      const persons = await card.locator('dd').allInnerTexts();
      for (const subject of finding.subjects) assert.ok(persons.some((text) => text.includes(formatPnr(subject))), `${finding.id} shows ${formatPnr(subject)}`);
    }
  }

  before(async () => {
    seeded = await seededSources('mariadb', DATA_SET);
    server = await startTestServer(seeded.urls, {
      followUp: { workingHours: '07:00-19:00', purposesRequiringCaseReference: ['social-services'], intervalSeconds: 0.2 },
    });
    origin = new URL(server.url).origin;
    store = openDatabase(seeded.urls.store);
    const { staff } = await testIssuers();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    tokens = {
      auditor: await staff.mint({ sub: 'auditor-1', org: 'IMY', scope: 'audit:read', purposes: ['audit'], exp }),
      reviewer: await staff.mint({ sub: 'reviewer-1', org: 'IMY', scope: 'audit:read audit:review', purposes: ['audit'], exp }),
    };

    // The people: strangers for ordinary reads, a protected person, and an officer with a spouse in the register.
    const people = new Map(DATA.FB_PERSON.map((p) => [p.PERSONID, p]));
    const isProtected = (p: { SEKRETESS: string | null; SKYDDAD_FB: string | null }) => p.SEKRETESS === 'J' || p.SKYDDAD_FB === 'J';
    const valid = DATA.FB_PERSON.filter((p) => /^\d{12}$/.test(p.PERSONID) && p.AVREG_ORSAK === null);
    const married = valid.find((p) => !isProtected(p) && DATA.FB_RELATION.some((r) => r.PERSONID === p.PERSONID && r.RELTYP === 'MA' && people.has(r.RELID) && !isProtected(people.get(r.RELID)!)));
    assert.ok(married, 'the data has an officer-to-be with a spouse');
    const reader = married.PERSONID;
    spouse = DATA.FB_RELATION.find((r) => r.PERSONID === reader && r.RELTYP === 'MA' && people.has(r.RELID))!.RELID;
    const protectedOne = valid.find(isProtected);
    assert.ok(protectedOne, 'the data has a protected person');
    protectedPerson = protectedOne.PERSONID;
    const strangers = valid.filter((p) => !isProtected(p) && p.PERSONID !== reader && p.PERSONID !== spouse).map((p) => p.PERSONID);

    const staffOf = (subject: string, organization: string, personalNumber?: string): EventPrincipal =>
      ({ type: 'STAFF', subject, organization, apiKeyId: null, ...(personalNumber ? { personalNumber } : {}) });
    const partner: EventPrincipal = { type: 'API_KEY', subject: 'key-0180-1', organization: '0180', apiKeyId: 'key-0180-1' };
    let next = 0;
    const read = (principal: EventPrincipal, occurredAt: string, kind: Kind | null, options: { purpose?: string; caseReference?: string | null; person?: string; categories?: DataCategory[] } = {}) => {
      const person = options.person ?? strangers[next++ % strangers.length]!;
      const categories = options.categories ?? ['IDENTITY'];
      written.push({
        kind,
        draft: {
          occurredAt, requestId: `follow-up-console-${randomUUID()}`, principal, purpose: options.purpose ?? 'benefit-assessment', legalBasis: null,
          caseReference: options.caseReference === undefined ? 'FK 2026/4711' : options.caseReference, operationName: 'Assess', documentHash: null,
          subjects: [person], subjectCategories: { [person]: categories }, subjectsWithheld: [], subjectsRequested: [person],
          fieldsRead: ['Citizen.familyName'], fieldsDenied: [], fieldsMasked: [], outcome: 'OK', sourceErrors: [],
        },
      });
    };
    // Ordinary reads, in working hours and with the case reference their purpose needs: none is flagged.
    for (let i = 0; i < 15; i++) read(staffOf(`fk-officer-0${1 + (i % 3)}`, 'FK'), at((i * 3) % DAYS, 9 + (i % 8), 10), null);
    for (let i = 0; i < 6; i++) read(staffOf('af-officer-01', 'AF'), at(2 + i * 3, 14, 20), null, { purpose: 'employment-support', caseReference: `AF-${i}` });
    for (let i = 0; i < 5; i++) read(partner, at(1 + i * 4, 11, 0), null, { purpose: 'social-services', caseReference: `Dnr 2026-${i}` });
    // The needles: 21 night reads (11 before 05:00, scored higher), two without a case reference, a protected
    // person's address, an officer's own spouse.
    for (let i = 0; i < 21; i++) read(staffOf('fk-officer-02', 'FK'), i % 2 === 0 ? at(i % DAYS, 3, 7) : at(i % DAYS, 21, 30), 'OFF_HOURS');
    read(staffOf('sos-handlaggare-3', '0180'), at(4, 13, 0), 'NO_CASE_REFERENCE', { purpose: 'social-services', caseReference: null });
    read(staffOf('sos-handlaggare-3', '0180'), at(13, 13, 0), 'NO_CASE_REFERENCE', { purpose: 'social-services', caseReference: null });
    read(staffOf('fk-officer-03', 'FK'), at(11, 10, 30), 'PROTECTED_PERSON', { person: protectedPerson, categories: ['IDENTITY', 'ADDRESS'] });
    read(staffOf('fk-officer-01', 'FK', reader), at(12, 10, 5), 'RELATIVE_OR_HOUSEHOLD', { person: spouse });
    written.sort((a, b) => Date.parse(a.draft.occurredAt) - Date.parse(b.draft.occurredAt));
    const log = new AuditLog(store, 1);
    await Promise.all(written.map(({ draft }) => log.append(draft)));
    await log.flush();

    browser = await launchLoopbackBrowser(origin);
  });

  after(async () => {
    await browser?.close();
    await store?.destroy();
    await server?.close();
    await seeded?.drop();
  });

  it('the follow-up found exactly what was planted (the premise of the page\'s checks)', async () => {
    const found = await apiFindings();
    const planted = new Map(written.map(({ draft, kind }) => [draft.requestId, kind]));
    assert.deepEqual(found.map((f) => `${planted.get(f.event.requestId)}=${f.kind}`).sort(), written.filter((w) => w.kind).map((w) => `${w.kind}=${w.kind}`).sort());
    assert.equal(found.length, 25);
  });

  it('lists an auditor\'s findings newest first over two pages, filters by kind, orders by score, opens an event; no review form without audit:review', async () => {
    const page = await openFollowUp(tokens.auditor, 'en');
    assert.equal(await page.getByLabel(WORDS.en.from, { exact: true }).inputValue(), FROM.toString(), 'four weeks up to today by default');
    assert.equal(await page.getByLabel(WORDS.en.to, { exact: true }).inputValue(), TO.toString());

    // A date the console cannot read is said beside its field, and nothing is asked.
    await page.getByLabel(WORDS.en.from, { exact: true }).fill('2026-13-01');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByText('Enter a date as YYYY-MM-DD, e.g. 2026-12-03.').waitFor();
    assert.equal(await page.getByLabel(WORDS.en.from, { exact: true }).getAttribute('aria-invalid'), 'true');

    await show(page, 'en', { from: FROM.toString(), to: TO.toString() });
    const newest = await apiFindings();
    await page.getByRole('status').filter({ hasText: 'Page 1: 20 findings, more on the next page.' }).waitFor();
    await assertCards(page, 'en', newest.slice(0, PAGE_SIZE));
    await Promise.all([
      page.waitForResponse((response) => (response.request().postData() ?? '').includes('ConsoleAuditFindings')),
      page.getByRole('button', { name: 'Next page' }).click(),
    ]);
    await settled(page);
    await page.getByRole('status').filter({ hasText: 'Page 2: 5 findings.' }).waitFor();
    await assertCards(page, 'en', newest.slice(PAGE_SIZE));
    await Promise.all([
      page.waitForResponse((response) => (response.request().postData() ?? '').includes('ConsoleAuditFindings')),
      page.getByRole('button', { name: 'Previous page' }).click(),
    ]);
    await settled(page);
    await page.getByRole('status').filter({ hasText: 'Page 1: 20 findings' }).waitFor();

    await assertCharts(page, 'en');
    // Without audit:review there is nothing to review with.
    assert.equal(await page.getByText(WORDS.en.openReview).count(), 0);
    assert.equal(await page.locator('article.finding form').count(), 0);
    await axeCheck(page, 'follow-up (auditor, en, chart tables open)');

    await show(page, 'en', { kind: 'Protected person' });
    const protectedOnes = await apiFindings(', kind: PROTECTED_PERSON');
    assert.equal(protectedOnes.length, 1);
    await assertCards(page, 'en', protectedOnes);

    await show(page, 'en', { kind: 'Every kind', order: WORDS.en.score });
    const byScore = await apiFindings('', 'SCORE');
    await assertCards(page, 'en', byScore.slice(0, PAGE_SIZE));
    assert.deepEqual(byScore.slice(0, 2).map((f) => f.kind), ['RELATIVE_OR_HOUSEHOLD', 'PROTECTED_PERSON']);
    const kindsShown = new Set(byScore.slice(0, PAGE_SIZE).map((f) => f.kind));
    assert.deepEqual([...kindsShown].sort(), ['NO_CASE_REFERENCE', 'OFF_HOURS', 'PROTECTED_PERSON', 'RELATIVE_OR_HOUSEHOLD'], 'every planted kind on the first page');
    await page.locator('section[data-chart] details[open] summary').evaluateAll((summaries) => summaries.forEach((summary) => (summary as unknown as { click(): void }).click()));
    await page.evaluate(() => scrollTo(0, 0));
    await screenshot(page, 'follow-up', false);

    // The relative's read opens in the events page's dialog, with what the event says.
    const first = articles(page).first();
    await first.getByRole('button', { name: /^Open the event/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const text = await dialog.innerText();
    for (const expected of ['fk-officer-01', 'benefit-assessment', 'FK 2026/4711', formatPnr(spouse), 'Citizen.familyName', 'Position in chain']) {
      assert.ok(text.includes(expected), `the event shows ${expected}:\n${text}`);
    }
    await axeCheck(page, 'follow-up event detail (en)');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Open the event', 'focus returns to the finding');

    assert.deepEqual(browser.foreign, [], 'requests to other origins');
    assert.deepEqual(browser.cspViolations, [], 'CSP violations and page errors');
  });

  it('a reviewer narrows to an organisation, records two verdicts on a finding (POSTed as a mutation), and sees them; the API has them too', async () => {
    const page = await openFollowUp(tokens.reviewer, 'en');
    await show(page, 'en', { from: FROM.toString(), to: TO.toString(), organisation: '0180' });
    // The organisation narrows the findings and the charts alike.
    const ofStockholm = await apiFindings(', organization: "0180"');
    assert.deepEqual(ofStockholm.map((f) => f.kind), ['NO_CASE_REFERENCE', 'NO_CASE_REFERENCE']);
    await assertCards(page, 'en', ofStockholm);
    const reads = await chartTable(page, 'reads-chart');
    const stockholmReads = written.filter(({ draft }) => draft.principal.organization === '0180').length;
    assert.equal(Object.values(reads).reduce((sum, row) => sum + Number(row['0180'] ?? 0), 0), stockholmReads);
    assert.ok(Object.values(reads).every((row) => Object.keys(row).sort().join() === '0180,total'), 'only Stockholm\'s reads');

    const target = ofStockholm[0]!;
    const card = articles(page).first();
    await card.getByText(WORDS.en.openReview).click();
    // No verdict chosen: said at once, and nothing sent.
    await card.getByRole('button', { name: 'Save the review' }).click();
    await card.getByRole('alert').filter({ hasText: 'Choose a verdict.' }).waitFor();

    const review = async (verdict: keyof typeof WORDS.en.verdicts, note: string) => {
      await card.getByRole('radio', { name: WORDS.en.verdicts[verdict], exact: true }).check();
      await card.getByLabel('Note', { exact: true }).fill(note);
      const [request] = await Promise.all([
        page.waitForRequest((r) => (r.postData() ?? '').includes('ConsoleReviewFinding')),
        card.getByRole('button', { name: 'Save the review' }).click(),
      ]);
      assert.equal(request.method(), 'POST');
      assert.match(request.postData()!, /"query":"mutation ConsoleReviewFinding/);
      await card.getByRole('status').filter({ hasText: 'Review saved.' }).waitFor();
    };
    await review('NEEDS_FOLLOW_UP', 'Asked the officer for the case number.');
    await card.locator('dd.review').filter({ hasText: 'Needs follow-up, by reviewer-1, Swedish Authority for Privacy Protection (IMY), at ' }).waitFor();
    await review('JUSTIFIED', 'Case 2026-0042 confirmed by the unit.');
    await card.locator('dd.review').filter({ hasText: 'Justified, by reviewer-1' }).waitFor();
    assert.match(await card.locator('dd.review').innerText(), /Case 2026-0042 confirmed by the unit\./);
    await card.getByText('Every review (2)').click();
    assert.deepEqual(await card.locator('details.history li').allInnerTexts().then((items) => items.map((item) => item.split(',')[0])), ['Needs follow-up', 'Justified']);
    await axeCheck(page, 'follow-up (reviewer, en, after a review)');

    const reviewed = await apiFindings(', reviewed: true');
    assert.deepEqual(reviewed.map((f) => f.id), [target.id]);
    assert.deepEqual(reviewed[0]!.review, { verdict: 'JUSTIFIED', note: 'Case 2026-0042 confirmed by the unit.', reviewer: 'reviewer-1' });
    assert.deepEqual(reviewed[0]!.reviews.map((r) => r.verdict), ['NEEDS_FOLLOW_UP', 'JUSTIFIED']);
    await show(page, 'en', { organisation: '', reviewed: 'Reviewed' });
    assert.deepEqual(await shownIds(page), [target.id]);
    await show(page, 'en', { reviewed: 'Not yet reviewed' });
    const unreviewed = await shownIds(page);
    assert.equal(unreviewed.length, PAGE_SIZE);
    assert.ok(!unreviewed.includes(target.id));

    assert.deepEqual(browser.foreign, [], 'requests to other origins');
    assert.deepEqual(browser.cspViolations, [], 'CSP violations and page errors');
  });

  it('speaks Swedish: kinds, verdicts, the review form and the charts, with the server\'s explanations marked as English', async () => {
    const page = await openFollowUp(tokens.reviewer, 'sv');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'sv');
    await show(page, 'sv', { from: FROM.toString(), to: TO.toString(), order: WORDS.sv.score });
    const byScore = await apiFindings('', 'SCORE');
    await assertCards(page, 'sv', byScore.slice(0, PAGE_SIZE));
    await page.getByRole('status').filter({ hasText: 'Sida 1: 20 avvikelser, fler på nästa sida.' }).waitFor();
    const reviewedCard = articles(page).filter({ has: page.locator('dd.review', { hasText: 'Befogad, av reviewer-1' }) });
    assert.equal(await reviewedCard.count(), 1, 'the verdict given in English is shown in Swedish');
    await articles(page).first().getByText(WORDS.sv.openReview).click();
    for (const verdict of Object.values(WORDS.sv.verdicts)) await articles(page).first().getByRole('radio', { name: verdict, exact: true }).waitFor();
    await assertCharts(page, 'sv');
    await axeCheck(page, 'follow-up (reviewer, sv, review form and chart tables open)');
    await articles(page).first().getByText(WORDS.sv.openReview).click();
    await page.locator('section[data-chart] details[open] summary').evaluateAll((summaries) => summaries.forEach((summary) => (summary as unknown as { click(): void }).click()));
    await page.evaluate(() => scrollTo(0, 0));
    await screenshot(page, 'sv-follow-up', false);

    assert.deepEqual(browser.foreign, [], 'requests to other origins');
    assert.deepEqual(browser.cspViolations, [], 'CSP violations and page errors');
  });
});
