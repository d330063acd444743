/**
 * The auditor console and the GraphQL IDE in a real browser: Debian's Chromium driven by playwright-core, against
 * samgraf on MariaDB with a known set of access-log events made by real GraphQL requests first.
 *
 * The browser may reach nothing but the samgraf under test: host names resolve to nothing (only 127.0.0.1 is
 * excluded from the resolver rules), every request is recorded and any to another origin is aborted and fails
 * the test — the proof that the pages load nothing from a CDN. Content-Security-Policy violations fail it too.
 * Each page and state is checked with axe-core (no serious or critical violations), and a screenshot of each is
 * written to .test-logs/screenshots/ (`npm run screenshots`: to docs/screenshots/ for the README).
 *
 * The console speaks Swedish and English: most checks run in an English browser (en-GB), and the console's pages
 * and the citizen page again in a Swedish one (sv-SE, which sets navigator.languages and Accept-Language), with
 * the language switch between them. Swedish screenshots are named sv-….
 *
 * Chromium missing is a failure with a message, not a skip: .ci/run installs it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Knex } from 'knex';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { openDatabase } from '../src/core/db.js';
import { keygen } from '../src/commands/transparency.js';
import { DEMO_PERSONAS_PATH, demoPersonas, type DemoPersona } from '../src/demo-personas.js';
import { isValidPersonalNumber } from '../src/core/personal-number.js';
import { ApiKeyStore } from '../src/security/api-keys.js';
import { documentId, TrustedDocumentStore } from '../src/security/trusted-documents.js';
import { generateLegacyData } from './helpers/legacy-data.js';
import { repoRoot } from './helpers/repo.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

// Functions passed to page.evaluate run in the browser; the server's TypeScript has no DOM library, so name the
// few browser globals they use here.
declare const window: Record<string, unknown> & { innerWidth: number };
declare const document: any;
declare function getComputedStyle(element: unknown): { outlineStyle: string };
type Document = unknown;

const CHROMIUM = process.env.SAMGRAF_CHROMIUM ?? '/usr/bin/chromium';
/** `npm run screenshots` points this at docs/screenshots; an ordinary run leaves the working tree alone. */
const SCREENSHOTS = process.env.SAMGRAF_SCREENSHOTS_DIR
  ? resolve(process.env.SAMGRAF_SCREENSHOTS_DIR)
  : join(repoRoot, '.test-logs', 'screenshots');
const AXE = join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js');

const DATA_SET = { citizens: 300, seed: 'console-0' } as const;
const DATA = generateLegacyData(DATA_SET);
const PEOPLE = DATA.FB_PERSON.filter((p) => isValidPersonalNumber(p.PERSONID) && p.SEKRETESS === null && p.SKYDDAD_FB === null && p.AVREG_ORSAK === null);
/** The person whose events the auditor looks for, and who signs in as the citizen. */
const A = PEOPLE[0]!.PERSONID;
const B = PEOPLE[1]!.PERSONID;
/** People an FK caseworker reads one by one: enough events for more than one page. */
const FK_TARGETS = PEOPLE.slice(2, 26).map((p) => p.PERSONID);
const FORMULA = '=HYPERLINK("http://example.invalid/x","click")';

/** The partner's registered operation (a trusted document), run by id. */
const PARTNER_DOCUMENT = 'query PartnerListing { citizensByMunicipality(code: "0180", first: 3) { edges { node { personalNumber } } } }';

const formatPnr = (pnr: string) => `${pnr.slice(0, 8)}-${pnr.slice(8)}`;

type Language = 'sv' | 'en';

/** The events page's search form, as a visitor reads it in each language. */
const SEARCH_FORM: Readonly<Record<Language, Record<'subject' | 'organization' | 'from' | 'to' | 'pageSize' | 'search', string>>> = {
  en: { subject: 'Personal number', organization: 'Organisation', from: 'From (Swedish time)', to: 'To (Swedish time)', pageSize: 'Events per page', search: 'Search' },
  sv: { subject: 'Personnummer', organization: 'Organisation', from: 'Från (svensk tid)', to: 'Till (svensk tid)', pageSize: 'Händelser per sida', search: 'Sök' },
};

/** The Stockholm date of an instant, `ÅÅÅÅ-MM-DD`. */
const stockholmDate = (ms: number) => stockholmInput(ms).slice(0, 10);

/** A Stockholm wall-clock time as typed into the console's date-and-time fields (`ÅÅÅÅ-MM-DD tt:mm:ss`). */
function stockholmInput(ms: number): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/** RFC 4180 CSV, as the console writes it (quoted cells may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 1; } else cell += c;
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}

describe('auditor console and GraphQL IDE in Chromium (MariaDB, loopback only)', () => {
  let seeded: SeededSources;
  let keyDir: string;
  let server: TestServer;
  let store: Knex;
  let origin: string;
  let browser: Browser;
  let personas: DemoPersona[] = [];
  let headersOf: Record<string, Record<string, string | undefined>>;
  /** Batch 2 of the FK reads starts at this whole second. */
  let splitMs: number;
  const foreign: string[] = [];
  const cspViolations: string[] = [];
  const contexts: BrowserContext[] = [];

  const ids = (rows: { writer_id: string; seq: number | string }[]) => rows.map((r) => `${r.writer_id}:${Number(r.seq)}`).sort();

  /** A fresh browser (its own storage); `locale` sets navigator.languages and Accept-Language, as a visitor's browser would. */
  async function newPage(options: { viewport?: { width: number; height: number }; deviceScaleFactor?: number; locale?: string } = {}): Promise<Page> {
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1280, height: 900 }, deviceScaleFactor: options.deviceScaleFactor ?? 1, acceptDownloads: true,
      locale: options.locale ?? 'en-GB', timezoneId: 'America/New_York',
    });
    contexts.push(context);
    context.setDefaultTimeout(15_000);
    // Everything the pages ask for is recorded; anything not for samgraf is refused and fails the test.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to (load|apply|execute|connect)/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => cspViolations.push(`page error: ${error.message}`));
    return page;
  }

  async function axeCheck(page: Page, label: string): Promise<void> {
    // Injected through the DevTools protocol (not a <script>), so the page's CSP stays as it is.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
    const violations = await page.evaluate(async () => {
      const result = await (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } })
        .axe.run(document, { resultTypes: ['violations'] });
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
    });
    assert.deepEqual(violations, [], `axe on ${label}`);
  }

  async function shot(page: Page, name: string, fullPage = true): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
  }

  async function signInAs(page: Page, personaLabel: string): Promise<void> {
    await page.goto(`${origin}/console/`);
    await page.getByRole('button', { name: `Sign in as ${personaLabel}` }).click();
  }

  async function tableIds(page: Page): Promise<string[]> {
    return page.locator('table.events tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event-id')!));
  }

  async function searchEvents(page: Page, fields: { subject?: string; organization?: string; from?: string; to?: string; pageSize?: string }, language: Language = 'en'): Promise<void> {
    const words = SEARCH_FORM[language];
    await page.getByLabel(words.subject).fill(fields.subject ?? '');
    await page.getByLabel(words.organization).fill(fields.organization ?? '');
    await page.getByLabel(words.from).fill(fields.from ?? '');
    await page.getByLabel(words.to).fill(fields.to ?? '');
    if (fields.pageSize) await page.getByLabel(words.pageSize).selectOption(fields.pageSize);
    // The search's own answer, then its rendering (the results section is aria-busy while a search runs).
    await Promise.all([
      page.waitForResponse((response) => response.url() === `${origin}/graphql` && (response.request().postData() ?? '').includes('ConsoleAuditEvents')),
      page.getByRole('button', { name: words.search, exact: true }).click(),
    ]);
    await page.locator('section[aria-labelledby="results-heading"][aria-busy="false"]').waitFor();
  }

  /** The partner's API key id: its events show it as their principal. */
  let partnerKeyId: string;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: the console tests need a real browser. Install it with `
        + '`apt-get install -y chromium` (.ci/run does), or point SAMGRAF_CHROMIUM at one.');
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    seeded = await seededSources('mariadb', DATA_SET);
    const { staff, citizen } = await testIssuers();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const tokens = {
      caseworker: await staff.mint({ sub: 'fk-handlaggare-17', org: 'FK', scope: 'citizen:read citizen:address:read benefit:read', purposes: ['benefit-assessment'], exp }),
      officer: await staff.mint({ sub: 'af-officer-42', org: 'AF', scope: 'citizen:read case:read', purposes: ['employment-support'], exp }),
      auditor: await staff.mint({ sub: 'auditor-1', org: 'IMY', scope: 'audit:read', purposes: ['audit'], exp }),
      trainee: await staff.mint({ sub: 'auditor-trainee-2', org: 'IMY', scope: 'citizen:read', purposes: ['audit'], exp }),
      citizen: await citizen.mint({ sub: A, exp }),
    };
    // The demo's personas mechanism (demoRoutes), with this test's issuers instead of the demo's.
    keyDir = mkdtempSync(join(tmpdir(), 'samgraf-console-key-'));
    await keygen('log.console.test/access', join(keyDir, 'log.key'), false);
    server = await startTestServer(seeded.urls, { accessLog: { signingKeyFile: join(keyDir, 'log.key') } }, { demoRoutes: new Map([[DEMO_PERSONAS_PATH, () => ({ personas })]]) });
    origin = new URL(server.url).origin;
    store = openDatabase(seeded.urls.store);
    let key: string;
    ({ id: partnerKeyId, key } = await new ApiKeyStore(server.store, ['social-services']).create({
      organization: '0180', name: 'console test partner', scopes: ['citizen:read'], purposes: ['social-services'], municipality: '0180', expiresAt: null,
    }));
    personas = demoPersonas({ ...tokens, apiKey: key }, A);
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    headersOf = {
      fk: { ...bearer(tokens.caseworker), 'x-purpose': 'benefit-assessment' },
      af: { ...bearer(tokens.officer), 'x-purpose': 'employment-support' },
      citizen: { ...bearer(tokens.citizen), 'x-purpose': 'self-service' },
      partner: { authorization: undefined, 'x-api-key': key, 'x-purpose': 'social-services' },
    };

    // The known events. Batch 1: FK reads A and half the targets, AF reads A and B, A reads themselves.
    const read = async (who: string, query: string, extra: Record<string, string> = {}) => {
      const response = await server.query(query, undefined, { ...headersOf[who], ...extra });
      assert.equal(response.status, 200, JSON.stringify(response).slice(0, 300));
    };
    const citizenQuery = (pnr: string) => `{ citizen(personalNumber: "${pnr}") { personalNumber familyName } }`;
    await read('fk', citizenQuery(A), { 'x-legal-basis': 'SFB 110 kap. 13 §', 'x-case-reference': 'FK-2026-0042' });
    await read('af', `{ citizens(personalNumbers: ["${A}", "${B}"]) { personalNumber familyName } }`);
    await read('citizen', citizenQuery(A));
    // The partner runs a trusted document it registered, by id: its event's detail shows the document's text.
    await new TrustedDocumentStore(server.store).add(partnerKeyId, [{ text: PARTNER_DOCUMENT, operations: ['PartnerListing'] }]);
    const byId = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'x-purpose': 'social-services' },
      body: JSON.stringify({ documentId: `sha256:${documentId(PARTNER_DOCUMENT)}` }),
    });
    assert.equal(byId.status, 200, await byId.clone().text());
    for (const pnr of FK_TARGETS.slice(0, 12)) await read('fk', citizenQuery(pnr));
    // Batch 2 starts on a whole second, so that a "from" typed to the second separates the batches exactly.
    await server.auditLog.flush();
    splitMs = Math.ceil((Date.now() + 50) / 1000) * 1000;
    await new Promise((resolve) => setTimeout(resolve, splitMs - Date.now() + 20));
    await read('fk', citizenQuery(FK_TARGETS[12]!), { 'x-case-reference': FORMULA });
    for (const pnr of FK_TARGETS.slice(13)) await read('fk', citizenQuery(pnr));
    await server.auditLog.flush();

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
    });
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await store?.destroy();
    await server?.close();
    await seeded?.drop();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  it('signs in with one click as a demo persona; search by personal number shows exactly that person\'s events; an event opens in detail', async () => {
    const page = await newPage();
    await page.goto(`${origin}/console/`);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await axeCheck(page, 'sign-in');
    await shot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in as Auditor (IMY)' }).click();
    await page.getByRole('heading', { name: 'Access-log events', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/console/events');

    // Typed as ten digits with a separator: the API normalises it.
    const expected = ids(await store('audit_event_subjects').where('subject', A).select('writer_id', 'seq'));
    assert.ok(expected.length >= 3, `${expected.length} events name A`);
    await searchEvents(page, { subject: `${A.slice(2, 8)}-${A.slice(8)}` });
    assert.deepEqual((await tableIds(page)).sort(), expected, 'exactly the events that returned A\'s data');
    const subjectCells = await page.locator('table.events tbody td.subjects').allInnerTexts();
    assert.ok(subjectCells.every((text) => text.includes(formatPnr(A))), `personal numbers shown as YYYYMMDD-NNNN: ${subjectCells.join(' | ')}`);
    const times = await page.locator('table.events tbody td:first-child').allInnerTexts();
    assert.ok(times.every((t) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0[12]:00$/.test(t)), `Stockholm times with offset: ${times.join(' | ')}`);
    await axeCheck(page, 'events (search by personal number)');
    await shot(page, 'events');

    // The FK read of A, with its legal basis and case reference.
    const fkRow = page.locator('table.events tbody tr', { hasText: 'fk-handlaggare-17' });
    await fkRow.getByRole('button', { name: /^Details/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const text = await dialog.innerText();
    for (const expectedText of ['fk-handlaggare-17', 'FK', 'benefit-assessment', 'SFB 110 kap. 13 §', 'FK-2026-0042', formatPnr(A), 'Subjects asked for', 'Citizen.familyName', 'Position in chain']) {
      assert.ok(text.includes(expectedText), `the detail shows ${expectedText}:\n${text}`);
    }
    await axeCheck(page, 'event detail');
    await shot(page, 'event-detail', false);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it("an event of a trusted document shows the document's text; an inline one says its text is not kept", async () => {
    const page = await newPage();
    await signInAs(page, 'Auditor (IMY)');
    await page.getByRole('heading', { name: 'Access-log events', level: 1 }).waitFor();
    await searchEvents(page, { organization: '0180' });
    await page.locator('table.events tbody tr', { hasText: partnerKeyId }).getByRole('button', { name: /^Details/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.equal(await dialog.locator('pre.document').innerText(), PARTNER_DOCUMENT);
    await axeCheck(page, 'event detail with a trusted document');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await searchEvents(page, { subject: B });
    await page.locator('table.events tbody tr', { hasText: 'af-officer-42' }).getByRole('button', { name: /^Details/ }).click();
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /not kept: sent as text/);
    await page.keyboard.press('Escape');
  });

  it('filters by organisation and time, pages through the results, and exports the search as CSV with its rows', async () => {
    const page = await newPage();
    await signInAs(page, 'Auditor (IMY)');
    await page.getByRole('heading', { name: 'Access-log events', level: 1 }).waitFor();

    // Organisation alone: more than one page.
    const allFk = ids(await store('audit_events').where('principal_organization', 'FK').select('writer_id', 'seq'));
    assert.ok(allFk.length > 20, `${allFk.length} FK events`);
    await searchEvents(page, { organization: 'FK', pageSize: '20' });
    const seen: string[] = [];
    for (let pageNo = 1; ; pageNo += 1) {
      const onPage = await tableIds(page);
      assert.ok(onPage.length > 0 && onPage.length <= 20, `page ${pageNo}: ${onPage.length} rows`);
      seen.push(...onPage);
      await page.getByRole('status').filter({ hasText: `Page ${pageNo}:` }).waitFor();
      const next = page.getByRole('button', { name: 'Next page' });
      if (await next.isDisabled()) break;
      await next.click();
      await page.getByRole('status').filter({ hasText: `Page ${pageNo + 1}:` }).waitFor();
    }
    assert.deepEqual([...seen].sort(), allFk, 'every FK event exactly once across the pages');
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByRole('status').filter({ hasText: 'Page 1:' }).waitFor();

    // Organisation and time: batch 2 only.
    const fromBatch2 = ids(await store('audit_events').where('principal_organization', 'FK').andWhere('occurred_ms', '>=', splitMs).select('writer_id', 'seq'));
    assert.equal(fromBatch2.length, FK_TARGETS.length - 12);
    await searchEvents(page, { organization: 'FK', from: stockholmInput(splitMs), pageSize: '100' });
    assert.deepEqual((await tableIds(page)).sort(), fromBatch2, 'organisation FK from the split second');

    // The export pages through the same search and downloads it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export this search as CSV' }).click()]);
    await page.getByRole('status').filter({ hasText: /^Exported \d+ events? as CSV/ }).waitFor();
    assert.match(download.suggestedFilename(), /^samgraf-access-log-\d{8}-\d{6}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    assert.ok(csv.startsWith('\uFEFF'), 'a byte-order mark for spreadsheet programs');
    const [header, ...rows] = parseCsv(csv.slice(1));
    assert.deepEqual(header, ['id', 'writer', 'seq', 'occurredAt', 'requestId', 'principalType', 'principalSubject', 'principalOrganization', 'principalApiKeyId',
      'purpose', 'legalBasis', 'caseReference', 'operationName', 'documentHash', 'subjects', 'subjectsWithheld', 'fieldsRead', 'fieldsDenied',
      'fieldsMasked', 'outcome', 'sourceErrors', 'prevHash', 'hash', 'subjectsRequested', 'subgraphs']);
    const column = (name: string) => header!.indexOf(name);
    assert.deepEqual(rows.map((r) => r[column('id')]!).sort(), fromBatch2, 'the CSV holds exactly the search\'s events');
    const stored = new Map((await store('audit_events').where('occurred_ms', '>=', splitMs)).map((r: any) => [`${r.writer_id}:${r.seq}`, r]));
    for (const row of rows) {
      const event = stored.get(row[column('id')]!)!;
      assert.equal(row[column('principalOrganization')], 'FK');
      assert.equal(row[column('hash')], event.hash);
      assert.equal(row[column('subjects')], JSON.parse(event.subjects).join(' '));
      assert.equal(Date.parse(row[column('occurredAt')]!), Number(event.occurred_ms));
    }
    const formulaRow = rows.find((r) => r[column('caseReference')]!.includes('HYPERLINK'));
    assert.equal(formulaRow?.[column('caseReference')], `'${FORMULA}`, 'a cell that a spreadsheet would run is guarded');
    await axeCheck(page, 'events (organisation and time)');
  });

  it('shows the chain intact, and after the store is tampered with, broken at the edited event', async () => {
    const page = await newPage();
    await signInAs(page, 'Auditor (IMY)');
    await page.getByRole('link', { name: 'Chain verification' }).click();
    await page.getByRole('status').filter({ hasText: 'The access log is intact.' }).waitFor();
    await axeCheck(page, 'chains (intact)');
    await shot(page, 'chains-intact');

    const writer = server.auditLog.writerIds[0];
    const victim = await store('audit_events').where({ writer_id: writer, principal_organization: 'FK' }).orderBy('seq').offset(2).first();
    await store('audit_events').where({ writer_id: writer, seq: victim.seq }).update({ purpose: 'audit' });
    await page.getByRole('button', { name: 'Verify again' }).click();
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'NOT intact' }).waitFor();
    const text = await alert.innerText();
    assert.ok(text.includes(`${writer}:${Number(victim.seq)}`), `names the edited event:\n${text}`);
    assert.ok(text.includes('HASH_MISMATCH'), text);
    await axeCheck(page, 'chains (broken)');
    await shot(page, 'chains-broken');

    // From the verdict to the event itself.
    await page.getByRole('button', { name: `Show event ${writer}:${Number(victim.seq)}` }).click();
    await page.getByRole('dialog').filter({ hasText: `${writer}:${Number(victim.seq)}` }).waitFor();
    await store('audit_events').where({ writer_id: writer, seq: victim.seq }).update({ purpose: victim.purpose });
  });

  it('an auditor without audit:read sees a clear refusal, and a caseworker without the purpose audit too — never an empty table', async () => {
    const page = await newPage();
    await signInAs(page, 'Auditor without audit:read');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Refused: your sign-in does not have the scope audit:read/);
    assert.equal(await page.locator('table').count(), 0);
    await axeCheck(page, 'refusal');
    await shot(page, 'refusal');
    await page.getByRole('link', { name: 'Chain verification' }).click();
    await page.getByRole('alert').filter({ hasText: 'audit:read' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in as Caseworker (FK)' }).click();
    await page.getByRole('alert').filter({ hasText: 'may not state the purpose "audit"' }).waitFor();
    assert.equal(await page.locator('table').count(), 0);
  });

  it('the citizen page shows which organisations read the citizen\'s data', async () => {
    const page = await newPage();
    await signInAs(page, 'Citizen');
    await page.getByRole('heading', { name: 'Who has read my data', level: 1 }).waitFor();
    await page.locator('table.my-log tbody tr').first().waitFor();
    const organisations = await page.locator('table.my-log tbody td:nth-child(2)').allInnerTexts();
    assert.ok(organisations.includes('Swedish Social Insurance Agency (FK)') && organisations.includes('Swedish Public Employment Service (AF)'), organisations.join(' | '));
    assert.ok(!(await page.locator('main').innerText()).includes('fk-handlaggare-17'), 'never the officer');
    assert.ok((await page.locator('main').innerText()).includes(formatPnr(A)));
    // Every receipt checked in the browser against the log's key; each can be downloaded.
    const rows = await page.locator('table.my-log tbody tr').count();
    await page.locator('[data-receipt]').nth(rows - 1).waitFor();
    assert.equal(await page.locator('[data-receipt="verified"]').count(), rows);
    assert.equal(await page.getByRole('link', { name: 'Download receipt' }).count(), rows);
    await axeCheck(page, 'citizen');
    await shot(page, 'citizen');
  });

  it('the citizen page shows a receipt whose checkpoint was altered in transit as not verified', async () => {
    const page = await newPage();
    await page.route(`${origin}/graphql`, async (route) => {
      if (!(route.request().postData() ?? '').includes('ConsoleMyAccessLog')) return route.continue();
      const response = await route.fetch();
      const body = await response.json() as { data: { myAccessLog: { edges: { node: { receipt: string } }[] } } };
      for (const { node } of body.data.myAccessLog.edges) {
        const receipt = JSON.parse(node.receipt) as { checkpoint: string };
        // The tree size, one more: what a man in the middle would show to hide a later rewrite.
        receipt.checkpoint = receipt.checkpoint.replace(/\n(\d+)\n/, (_, size: string) => `\n${Number(size) + 1}\n`);
        node.receipt = JSON.stringify(receipt);
      }
      return route.fulfill({ response, json: body });
    });
    await signInAs(page, 'Citizen');
    await page.locator('table.my-log tbody tr').first().waitFor();
    const rows = await page.locator('table.my-log tbody tr').count();
    await page.locator('[data-receipt]').nth(rows - 1).waitFor();
    assert.equal(await page.locator('[data-receipt="verified"]').count(), 0);
    assert.equal(await page.locator('[data-receipt="not-verified"]').count(), rows);
    assert.match(await page.locator('[data-receipt="not-verified"]').first().innerText(), /Not verified: checkpoint: the signature of .* does not verify/);
  });

  it('the IDE at /graphql runs a query with a demo persona\'s token', async () => {
    const page = await newPage();
    await page.goto(`${origin}/graphql`);
    await page.getByLabel('Demo persona').selectOption({ label: 'Auditor (IMY)' });
    await page.locator('.graphiql-query-editor').getByText('auditEvents').first().waitFor();
    await page.getByRole('button', { name: /Execute query/ }).click();
    const result = page.locator('.result-window');
    await result.locator('.CodeMirror-line').first().waitFor();
    await page.waitForFunction(() => /"(data|errors)"/.test(document.querySelector('.result-window')?.innerText ?? ''));
    const answer = await result.innerText();
    assert.match(answer, /"auditEvents": \{\s*"edges"/, answer.slice(0, 600));
    assert.ok(answer.includes(A), 'the example asks about A and the answer names A');
    // Neither the token nor the query's personal number outlives the tab (GraphiQL's default is localStorage).
    const stored = await page.evaluate(() => {
      const web = globalThis as unknown as Record<'localStorage' | 'sessionStorage', Record<string, string>>;
      return JSON.stringify([Object.entries(web.localStorage), Object.entries(web.sessionStorage)]);
    });
    assert.ok(!stored.includes(A) && !stored.includes('Bearer') && !stored.includes('graphiql'), `the browser keeps none of it: ${stored.slice(0, 300)}`);
    await axeCheck(page, 'IDE');
    await shot(page, 'ide', false);
  });

  it('works by keyboard alone: sign in, search, open an event and close it, focus always visible', async () => {
    const page = await newPage();
    await page.goto(`${origin}/console/`);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    const tabTo = async (describe: string, matches: () => boolean) => {
      for (let i = 0; i < 60; i += 1) {
        await page.keyboard.press('Tab');
        if (await page.evaluate(matches)) {
          // A visible focus indicator: the focused element draws an outline.
          const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
          assert.notEqual(outline, 'none', `${describe}: focus is visible`);
          return;
        }
      }
      assert.fail(`could not reach ${describe} with Tab`);
    };
    await tabTo('the auditor persona', () => document.activeElement?.textContent === 'Sign in as Auditor (IMY)');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Access-log events', level: 1 }).waitFor();
    // The page's first search must have finished, or its re-render can race the typing on a busy machine.
    await page.locator('section[aria-labelledby="results-heading"][aria-busy="false"]').waitFor();
    await tabTo('the personal number', () => document.activeElement?.id === 'f-subject');
    await page.keyboard.type(A);
    await page.waitForFunction((typed) => (document.getElementById('f-subject') as { value?: string } | null)?.value === typed, A);
    await Promise.all([
      page.waitForResponse((response) => (response.request().postData() ?? '').includes(A)),
      page.keyboard.press('Enter'),
    ]);
    await page.locator('section[aria-labelledby="results-heading"][aria-busy="false"]').waitFor();
    await tabTo('a Details button', () => document.activeElement?.textContent === 'Details');
    const opener = await page.evaluate(() => document.activeElement!.closest('tr')!.getAttribute('data-event-id'));
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Close', 'focus moves into the dialog');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate(() => document.activeElement!.closest('tr')?.getAttribute('data-event-id')), opener, 'focus returns to the row');
  });

  /** What the zoom check clicks and waits for, in each language. */
  const ZOOM_WORDS = {
    en: { signIn: 'Sign in', auditor: 'Sign in as Auditor (IMY)', chains: 'Chain verification', intact: 'intact', signOut: 'Sign out', citizen: 'Sign in as Citizen', locale: 'en-GB', shot: 'zoom-200' },
    sv: { signIn: 'Logga in', auditor: 'Logga in som Granskare (IMY)', chains: 'Kontroll av loggkedjorna', intact: 'oförändrad', signOut: 'Logga ut', citizen: 'Logga in som Invånare', locale: 'sv-SE', shot: 'sv-zoom-200' },
  } as const;

  for (const language of ['en', 'sv'] as const) {
    it(`is readable at 200 % zoom in ${language === 'en' ? 'English' : 'Swedish'}: no page scrolls sideways (wide tables scroll in their own box)`, async () => {
      const words = ZOOM_WORDS[language];
      // A 1280 × 900 window at 200 %: 640 × 450 CSS pixels at twice the density.
      const page = await newPage({ viewport: { width: 640, height: 450 }, deviceScaleFactor: 2, locale: words.locale });
      const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
      await page.goto(`${origin}/console/`);
      await page.getByRole('heading', { name: words.signIn, level: 1 }).waitFor();
      assert.ok(await fits(), 'sign-in fits');
      await page.getByRole('button', { name: words.auditor }).click();
      await searchEvents(page, { subject: A }, language);
      assert.ok(await fits(), 'events fit');
      await shot(page, words.shot, false);
      await page.getByRole('link', { name: words.chains }).click();
      await page.getByRole('status').filter({ hasText: words.intact }).waitFor();
      assert.ok(await fits(), 'chains fit');
      await page.getByRole('button', { name: words.signOut }).click();
      await page.getByRole('button', { name: words.citizen }).click();
      await page.locator('table.my-log').waitFor();
      assert.ok(await fits(), 'citizen page fits');
      await axeCheck(page, `citizen at 200 % (${language})`);
    });
  }

  const htmlLang = (page: Page) => page.evaluate(() => document.documentElement.lang as string);

  it('in a Swedish browser the console is Swedish: <html lang="sv">, Swedish words and times, a search by ÅÅÅÅ-MM-DD, axe clean', async () => {
    const page = await newPage({ locale: 'sv-SE' });
    await page.goto(`${origin}/console/`);
    await page.getByRole('heading', { name: 'Logga in', level: 1 }).waitFor();
    assert.equal(await htmlLang(page), 'sv');
    assert.equal(await page.title(), 'Logga in — samgraf konsol');
    assert.equal(await page.getByRole('button', { name: 'English' }).getAttribute('lang'), 'en', 'the switch names English in English');
    await axeCheck(page, 'sign-in (sv)');
    await shot(page, 'sv-sign-in');
    await page.getByRole('button', { name: 'Logga in som Granskare (IMY)' }).click();
    await page.getByRole('heading', { name: 'Händelser i åtkomstloggen', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Från (svensk tid)').getAttribute('placeholder'), 'ÅÅÅÅ-MM-DD tt:mm');

    // A municipality is named as it names itself.
    await searchEvents(page, { organization: '0180' }, 'sv');
    const municipality = await page.locator('table.events tbody td:nth-child(3)').allInnerTexts();
    assert.ok(municipality.length > 0 && municipality.every((text) => text === 'Stockholms stad (0180)'), municipality.join(' | '));

    // Dates alone, as ÅÅÅÅ-MM-DD: the whole Swedish day of the second batch, both ends inclusive.
    const day = stockholmDate(splitMs);
    const fkThatDay = (await store('audit_events').where('principal_organization', 'FK').select('writer_id', 'seq', 'occurred_ms'))
      .filter((row: { occurred_ms: number | string }) => stockholmDate(Number(row.occurred_ms)) === day);
    assert.ok(fkThatDay.length >= FK_TARGETS.length - 12, `${fkThatDay.length} FK events on ${day}`);
    await searchEvents(page, { organization: 'FK', from: day, to: day, pageSize: '100' }, 'sv');
    assert.deepEqual((await tableIds(page)).sort(), ids(fkThatDay), `FK on ${day}`);
    await page.getByRole('status').filter({ hasText: `Sida 1: ${fkThatDay.length} händelser.` }).waitFor();
    assert.deepEqual(await page.locator('table.events thead th').allInnerTexts(), ['Tid', 'Aktör', 'Organisation', 'Ändamål', 'Utfall', 'Personer', 'Händelse']);
    const times = await page.locator('table.events tbody td:first-child').allInnerTexts();
    assert.ok(times.every((time) => time.startsWith(day) && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0[12]:00$/.test(time)), times.join(' | '));
    const row = await page.locator('table.events tbody tr', { hasText: 'benefit-assessment' }).first().innerText();
    for (const words of ['Personal', 'Försäkringskassan (FK)', 'Handläggning av förmåner', 'benefit-assessment', 'OK', 'Visa']) assert.ok(row.includes(words), `${words} in: ${row}`);
    await axeCheck(page, 'events (sv)');
    await shot(page, 'sv-events');

    // A day that does not exist is refused where it was typed, in words, before anything is asked.
    const from = page.getByLabel('Från (svensk tid)');
    await from.fill('2026-02-30');
    await page.getByRole('button', { name: 'Sök', exact: true }).click();
    const error = page.locator('#f-from-error');
    assert.match(await error.innerText(), /^Skriv ett datum som ÅÅÅÅ-MM-DD/);
    assert.equal(await from.getAttribute('aria-invalid'), 'true');
    assert.match(await from.getAttribute('aria-describedby') ?? '', /\bf-from-error\b/);
    await axeCheck(page, 'events with an invalid date (sv)');
    await from.fill('');

    await page.locator('table.events tbody tr', { hasText: 'benefit-assessment' }).first().getByRole('button', { name: /^Visa/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const detail = await dialog.innerText();
    for (const words of ['Vem och varför', 'Rättslig grund', 'Ärendenummer', 'Handläggning av förmåner', 'Plats i kedjan', 'Stäng']) assert.ok(detail.includes(words), `${words} in the detail:\n${detail}`);
    await axeCheck(page, 'event detail (sv)');
    await shot(page, 'sv-event-detail', false);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('link', { name: 'Kontroll av loggkedjorna' }).click();
    await page.getByRole('status').filter({ hasText: 'Åtkomstloggen är oförändrad.' }).waitFor();
    assert.equal(await page.title(), 'Kontroll av loggkedjorna — samgraf konsol');
    await axeCheck(page, 'chains (sv)');
    await shot(page, 'sv-chains-intact');
  });

  it('in a Swedish browser the citizen page is Swedish throughout, and its dates are typed as ÅÅÅÅ-MM-DD', async () => {
    const page = await newPage({ locale: 'sv-SE' });
    await page.goto(`${origin}/console/`);
    await page.getByRole('button', { name: 'Logga in som Invånare' }).click();
    await page.getByRole('heading', { name: 'Vem har läst mina uppgifter', level: 1 }).waitFor();
    assert.equal(await htmlLang(page), 'sv');
    const rows = page.locator('table.my-log tbody tr');
    await rows.first().waitFor();
    const count = await rows.count();
    await page.locator('[data-receipt]').nth(count - 1).waitFor();
    assert.deepEqual(await page.locator('table.my-log thead th').allInnerTexts(), ['När', 'Organisation', 'Varför', 'Vad de läste', 'Bevis']);
    const organisations = await page.locator('table.my-log tbody td:nth-child(2)').allInnerTexts();
    assert.ok(organisations.includes('Försäkringskassan (FK)') && organisations.includes('Arbetsförmedlingen (AF)'), organisations.join(' | '));
    const purposes = await page.locator('table.my-log tbody td:nth-child(3)').allInnerTexts();
    assert.ok(purposes.some((text) => text.startsWith('Handläggning av förmåner')), purposes.join(' | '));
    const categories = (await page.locator('table.my-log tbody td:nth-child(4)').allInnerTexts()).join(', ');
    assert.ok(categories.includes('Identitet') && !categories.includes('Identity'), categories);
    const times = await page.locator('table.my-log tbody td:first-child').allInnerTexts();
    assert.ok(times.every((time) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(time)), `Swedish date and minute: ${times.join(' | ')}`);
    assert.equal(await page.locator('[data-receipt="verified"]', { hasText: 'Kontrollerat' }).count(), count);
    assert.equal(await page.getByRole('link', { name: 'Ladda ner kvittot' }).count(), count);
    const main = await page.locator('main').innerText();
    for (const english of ['Who has', 'Reads of', 'Verified', 'Download', 'Proof', 'Identity']) assert.ok(!main.includes(english), `no English "${english}" on the Swedish page`);
    assert.ok(!main.includes('fk-handlaggare-17'), 'never the officer');
    await axeCheck(page, 'citizen (sv)');
    await shot(page, 'sv-citizen');

    // One day, typed as ÅÅÅÅ-MM-DD in both fields: exactly that day's reads (all of them fit on the first page).
    assert.ok(count < 20, `${count} reads fit on one page`);
    const day = times[0]!.slice(0, 10);
    const thatDay = times.filter((time) => time.startsWith(day));
    const from = page.getByLabel('Från och med datum');
    const to = page.getByLabel('Till och med datum');
    assert.equal(await from.getAttribute('placeholder'), 'ÅÅÅÅ-MM-DD');
    const show = async () => {
      await Promise.all([
        page.waitForResponse((response) => (response.request().postData() ?? '').includes('ConsoleMyAccessLog')),
        page.getByRole('button', { name: 'Visa', exact: true }).click(),
      ]);
      await page.locator('section[aria-labelledby="reads-heading"][aria-busy="false"]').waitFor();
    };
    await from.fill(day);
    await to.fill(day);
    await show();
    assert.deepEqual(await page.locator('table.my-log tbody td:first-child').allInnerTexts(), thatDay);
    await from.fill('2000-01-01');
    await to.fill('2000-01-31');
    await show();
    await page.getByRole('status').filter({ hasText: 'Ingen organisation har läst dina uppgifter under perioden.' }).waitFor();
    assert.equal(await page.locator('table.my-log').count(), 0);

    await to.fill('2000-13-01');
    await page.getByRole('button', { name: 'Visa', exact: true }).click();
    assert.equal(await page.locator('#m-to-error').innerText(), 'Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-12-03.');
    assert.equal(await to.getAttribute('aria-invalid'), 'true');
    assert.match(await to.getAttribute('aria-describedby') ?? '', /\bm-to-error\b/);
    await axeCheck(page, 'citizen with an invalid date (sv)');
  });

  it('the language switch changes the language at once and keeps it across a reload, whichever the browser prefers', async () => {
    // An English browser, switched to Swedish.
    const english = await newPage({ locale: 'en-US' });
    await english.goto(`${origin}/console/`);
    await english.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    assert.equal(await htmlLang(english), 'en');
    const svenska = english.getByRole('button', { name: 'Svenska' });
    assert.equal(await svenska.getAttribute('lang'), 'sv');
    await svenska.click();
    await english.getByRole('heading', { name: 'Logga in', level: 1 }).waitFor();
    assert.equal(await htmlLang(english), 'sv');
    await english.reload();
    await english.getByRole('heading', { name: 'Logga in', level: 1 }).waitFor();
    assert.equal(await htmlLang(english), 'sv', 'the choice outlives a reload');
    await english.getByRole('button', { name: 'Logga in som Invånare' }).click();
    await english.getByRole('heading', { name: 'Vem har läst mina uppgifter', level: 1 }).waitFor();

    // A Swedish browser, switched to English, on the citizen page (signed in: the switch is there too).
    const swedish = await newPage({ locale: 'sv-SE' });
    await swedish.goto(`${origin}/console/`);
    await swedish.getByRole('button', { name: 'Logga in som Invånare' }).click();
    await swedish.getByRole('heading', { name: 'Vem har läst mina uppgifter', level: 1 }).waitFor();
    await swedish.locator('table.my-log tbody tr').first().waitFor();
    await swedish.getByRole('button', { name: 'English' }).click();
    await swedish.getByRole('heading', { name: 'Who has read my data', level: 1 }).waitFor();
    assert.equal(await htmlLang(swedish), 'en');
    assert.equal(await swedish.title(), 'Who has read my data — samgraf console');
    const organisations = await swedish.locator('table.my-log tbody td:nth-child(2)').allInnerTexts();
    assert.ok(organisations.includes('Swedish Social Insurance Agency (FK)') && organisations.includes('Swedish Public Employment Service (AF)'), organisations.join(' | '));
    await swedish.reload();
    await swedish.getByRole('heading', { name: 'Who has read my data', level: 1 }).waitFor();
    assert.equal(await htmlLang(swedish), 'en', 'the choice outlives a reload, over the browser\'s Swedish');
    await swedish.locator('[data-receipt="verified"]', { hasText: 'Verified' }).first().waitFor();
    await axeCheck(swedish, 'citizen (en, chosen in a Swedish browser)');
  });

  it('loaded nothing from anywhere but samgraf, and broke no Content-Security-Policy', () => {
    assert.deepEqual(foreign, [], 'requests to other origins');
    assert.deepEqual(cspViolations, [], 'CSP violations and page errors');
  });
});
