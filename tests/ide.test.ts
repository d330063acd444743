/**
 * The GraphQL IDE (GraphiQL at /graphql) in a real browser: Debian's Chromium driven by playwright-core, against
 * samgraf on SQLite (nothing here reads a source: the IDE's docs come from introspection, and no query is run).
 *
 * - Its docs pane shows each field's rules (the line src/security/rules-text.ts ends each description with).
 * - The demo's persona switch asks before it replaces a query the user edited; Cancel keeps both the query and
 *   the credentials, "Keep my query" switches only the credentials, "Replace query" both; an unedited query is
 *   replaced without asking.
 * - Outside demo mode, the IDE runs nothing on load: the only request to /graphql is GraphiQL's introspection.
 *
 * The browser may reach nothing but the samgraf under test, as in console.test.ts: host names resolve to nothing
 * but 127.0.0.1, every request is recorded, and any to another origin is aborted and fails the test; so do CSP
 * violations and page errors. Each state is checked with axe-core (no serious or critical violations).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { DEMO_PERSONAS_PATH, demoPersonas, type DemoPersona } from '../src/demo-personas.js';
import { repoRoot } from './helpers/repo.js';
import { startTestServer, type TestServer } from './helpers/samgraf.js';
import { seededSources, type SeededSources } from './helpers/seeded.js';
import { testIssuers } from './helpers/tokens.js';

// Functions passed to page.evaluate run in the browser; the server's TypeScript has no DOM library.
declare const window: Record<string, unknown>;
declare const document: any;
type Document = unknown;

const CHROMIUM = process.env.SAMGRAF_CHROMIUM ?? '/usr/bin/chromium';
const AXE = join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js');
/** Skatteverket's published test personal number: the examples name it, and nothing is run. */
const PERSON = '191212121212';

describe('the GraphQL IDE in Chromium (loopback only)', () => {
  const seeded: SeededSources[] = [];
  let demo: TestServer;
  let production: TestServer;
  let browser: Browser;
  let personas: DemoPersona[] = [];
  const foreign: string[] = [];
  const problems: string[] = [];
  const contexts: BrowserContext[] = [];

  async function newPage(origin: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    contexts.push(context);
    context.setDefaultTimeout(15_000);
    // Everything the page asks for is recorded; anything not for this samgraf is refused and fails the test.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to (load|apply|execute|connect)/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
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

  /** The text of GraphiQL's editors (CodeMirror 5 keeps its instance on its wrapper element). */
  const queryText = (page: Page) => page.evaluate(() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue() as string);
  const headersText = (page: Page) => page.evaluate(() => [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]
    .map((editor: any) => editor.CodeMirror.getValue() as string).find((text: string) => text.includes('X-Purpose')) ?? '');
  const waitForQuery = (page: Page, text: string) => page.waitForFunction((expected) => document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror.getValue() === expected, text);
  const persona = (id: string) => personas.find((p) => p.id === id)!;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: the IDE tests need a real browser. Install it with `
        + '`apt-get install -y chromium` (.ci/run does), or point SAMGRAF_CHROMIUM at one.');
    }
    const { staff, citizen } = await testIssuers();
    const exp = Math.floor(Date.now() / 1000) + 3600;
    personas = demoPersonas({
      caseworker: await staff.mint({ sub: 'fk-handlaggare-17', org: 'FK', scope: 'citizen:read citizen:address:read benefit:read', purposes: ['benefit-assessment'], exp }),
      officer: await staff.mint({ sub: 'af-officer-42', org: 'AF', scope: 'citizen:read case:read case:notes:read', purposes: ['employment-support'], exp }),
      auditor: await staff.mint({ sub: 'auditor-1', org: 'IMY', scope: 'audit:read', purposes: ['audit'], exp }),
      trainee: await staff.mint({ sub: 'auditor-trainee-2', org: 'IMY', scope: 'citizen:read', purposes: ['audit'], exp }),
      citizen: await citizen.mint({ sub: PERSON, exp }),
      // No test here switches to the partner or sends its key.
      apiKey: 'sgk_0000000000000000_unused-in-these-tests-unused-in-these-tes',
    }, PERSON);
    for (let i = 0; i < 2; i += 1) seeded.push(await seededSources('sqlite', { citizens: 20, seed: `ide-${i}` }));
    // Demo-like: the demo's personas route, and introspection for everyone, as `samgraf demo` configures it.
    demo = await startTestServer(seeded[0]!.urls, { server: { port: 0, host: '127.0.0.1', introspection: 'everyone' } },
      { demoRoutes: new Map([[DEMO_PERSONAS_PATH, () => ({ personas })]]) });
    // As from a config file: no personas route, introspection by the default (holders of schema:read).
    production = await startTestServer(seeded[1]!.urls);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--no-first-run', '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
    });
  });

  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await demo?.close();
    await production?.close();
    for (const sources of seeded) await sources.drop();
    assert.deepEqual(foreign, [], 'the IDE asked for nothing outside samgraf');
    assert.deepEqual(problems, [], 'no CSP violation and no page error');
  });

  it('the docs pane shows a field\'s scopes, policies and that personal data is behind it', async () => {
    const origin = new URL(demo.url).origin;
    const page = await newPage(origin);
    await page.goto(`${origin}/graphql`);
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    // Query → case → Case → notes, as a reader would click through.
    await docs.getByRole('link', { name: 'Query', exact: true }).click();
    await docs.getByRole('link', { name: 'case', exact: true }).click();
    await docs.getByRole('link', { name: 'Case', exact: true }).click();
    await docs.getByRole('link', { name: 'notes', exact: true }).click();
    const rules = docs.locator('.graphiql-markdown-description', { hasText: 'Access:' });
    await rules.waitFor();
    const text = await rules.innerText();
    assert.match(text, /Access: scopes case:read AND case:notes:read; policies \[staff OR self\] AND own-agency; personal data \(CASES\), access-logged\./, text);
    await axeCheck(page, 'IDE with the docs pane open at Case.notes');
  });

  it('the persona switch keeps an edited query unless the user confirms; an unedited query is replaced without asking', async () => {
    const origin = new URL(demo.url).origin;
    const page = await newPage(origin);
    await page.goto(`${origin}/graphql`);
    const picker = page.getByLabel('Demo persona');
    // The first persona is chosen on load, its example in the editor.
    await waitForQuery(page, persona('auditor').exampleQuery);
    assert.equal(await picker.inputValue(), 'auditor');

    // The user's own work: a line typed into the editor.
    await page.locator('.graphiql-query-editor .CodeMirror').click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('# my own query\n');
    const edited = `# my own query\n${persona('auditor').exampleQuery}`;
    await waitForQuery(page, edited);
    const auditorHeaders = await headersText(page);
    assert.ok(auditorHeaders.includes(persona('auditor').credentials.value));

    // Cancel (Escape): neither the query nor the credentials change, and the picker still shows the auditor.
    await picker.selectOption({ label: 'Citizen' });
    const dialog = page.getByRole('dialog', { name: 'Switch to Citizen?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Replace your edited query with Citizen's example\?/);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'focus starts on the answer that loses nothing');
    await axeCheck(page, 'IDE asking before it replaces an edited query');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await queryText(page), edited);
    assert.equal(await headersText(page), auditorHeaders);
    assert.equal(await picker.inputValue(), 'auditor');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'persona', 'focus returns to the picker');

    // Cancel by its button: the same.
    await picker.selectOption({ label: 'Citizen' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await queryText(page), edited);
    assert.equal(await picker.inputValue(), 'auditor');

    // Keep my query: the citizen's credentials, the user's query.
    await picker.selectOption({ label: 'Citizen' });
    await dialog.getByRole('button', { name: 'Keep my query' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await picker.inputValue(), 'citizen');
    await page.waitForFunction((token) => [...document.querySelectorAll('.graphiql-editor-tool .CodeMirror')]
      .some((editor: any) => (editor.CodeMirror.getValue() as string).includes(token)), persona('citizen').credentials.value);
    assert.equal(await queryText(page), edited);

    // Replace query: confirmed, the caseworker's example replaces it.
    await picker.selectOption({ label: 'Caseworker (FK)' });
    const asked = page.getByRole('dialog', { name: 'Switch to Caseworker (FK)?' });
    await asked.getByRole('button', { name: 'Replace query' }).click();
    await asked.waitFor({ state: 'hidden' });
    await waitForQuery(page, persona('caseworker').exampleQuery);
    assert.ok((await headersText(page)).includes(persona('caseworker').credentials.value));
    assert.equal(await picker.inputValue(), 'caseworker');

    // Unedited now: replaced straight away, nothing asked.
    await picker.selectOption({ label: 'Employment officer (AF)' });
    await waitForQuery(page, persona('officer').exampleQuery);
    assert.equal(await page.getByRole('dialog').count(), 0, 'no question for a query the IDE put there itself');
    assert.ok((await headersText(page)).includes(persona('officer').credentials.value));
  });

  it('outside demo mode the IDE runs nothing on load: its only request to /graphql is introspection, refused per server.introspection', async () => {
    const origin = new URL(production.url).origin;
    const page = await newPage(origin);
    const sent: { method: string; body: string; query: string | null }[] = [];
    const record = (request: Request) => {
      const url = new URL(request.url());
      if (url.pathname === '/graphql' && (request.method() === 'POST' || url.searchParams.has('query'))) {
        sent.push({ method: request.method(), body: request.postData() ?? '', query: url.searchParams.get('query') });
      }
    };
    page.on('request', record);
    const introspected = page.waitForResponse((response) => response.url() === `${origin}/graphql` && (response.request().postData() ?? '').includes('__schema'));
    // networkidle: the page has settled with no request in flight, so any query run on load has been sent.
    await page.goto(`${origin}/graphql`, { waitUntil: 'networkidle' });
    const introspection = await introspected;
    // With the template's placeholder for a token there is no credential, and the default `scope` lets only holders of
    // schema:read introspect: the server answers as configured.
    assert.equal(introspection.status(), 401);
    await page.locator('.graphiql-query-editor').getByText('samgraf GraphQL IDE').first().waitFor();
    assert.equal(await page.getByLabel('Demo persona').count(), 0, 'no demo personas outside demo mode');
    // GraphiQL shows that refusal in its response pane, which is therefore no sign that nothing ran: the requests are.
    assert.ok(sent.length >= 1, 'GraphiQL introspected');
    for (const request of sent) {
      assert.equal(request.method, 'POST');
      const { query, operationName } = JSON.parse(request.body) as { query: string; operationName?: string };
      assert.equal(operationName, 'IntrospectionQuery', `only introspection is sent on load: ${request.body.slice(0, 200)}`);
      assert.match(query, /^\s*query IntrospectionQuery\s*\{\s*__schema\s*\{/);
    }
  });
});
